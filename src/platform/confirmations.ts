import * as vscode from 'vscode';
import type { Log } from './log';

/** A question the extension asks before it changes something or needs a choice. */
export interface Question {
  /** Stable id, e.g. `shellless.changePod`, `access.createIdentity`, `access.scanCredentials`. */
  readonly id: string;
  readonly title: string;
  readonly detail?: string;
  /** The answers offered, in order (a modal's buttons, a pick's item answers). Cancel is always possible. */
  readonly actions: readonly string[];
}

/** Answers a question instead of the user: returns one of `q.actions`, or undefined for Cancel. */
export type Answerer = (q: Question) => string | undefined;

interface PickItem extends vscode.QuickPickItem {
  readonly answer: string;
}

/**
 * Every confirmation and choice the features ask goes through this service: the modal or quick pick for the user,
 * the record of what was asked (newest last), and one injection point (`answerWith`) through which the host tests
 * answer instead of the user. When an answerer is set, the log says so on every question it answered; normal use
 * never sets it.
 */
export class Confirmations {
  private answerer: Answerer | undefined;
  private readonly questions: Question[] = [];

  constructor(private readonly log: Log) {}

  /** The questions asked in this window, newest last. */
  get asked(): readonly Question[] {
    return this.questions;
  }

  /** Injects an answerer (tests); undefined gives the questions back to the user. */
  answerWith(answerer: Answerer | undefined): void {
    this.answerer = answerer;
  }

  private scripted(q: Question): { answered: boolean; answer?: string } {
    if (!this.answerer) return { answered: false };
    const answer = this.answerer(q);
    this.log.warn(`confirmation "${q.title}" (${q.id}) answered "${answer ?? 'cancel'}" by an injected answerer`);
    return { answered: true, answer: answer !== undefined && q.actions.includes(answer) ? answer : undefined };
  }

  /** A modal warning with the actions as buttons; the chosen action, or undefined. */
  async modal(q: Question, severity: 'warning' | 'information' = 'warning'): Promise<string | undefined> {
    this.questions.push(q);
    const s = this.scripted(q);
    if (s.answered) return s.answer;
    const show = severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    return show(q.title, { modal: true, detail: q.detail }, ...q.actions);
  }

  /** Yes/no as a modal with one action: true only when that action was chosen. */
  async confirm(q: Omit<Question, 'actions'> & { readonly action: string }): Promise<boolean> {
    return (await this.modal({ id: q.id, title: q.title, detail: q.detail, actions: [q.action] })) === q.action;
  }

  /** A quick pick whose items each carry an answer; the chosen item, or undefined. */
  async pick<T extends PickItem>(q: Omit<Question, 'actions'>, items: readonly T[], options: vscode.QuickPickOptions = {}): Promise<T | undefined> {
    const question: Question = { id: q.id, title: q.title, detail: q.detail, actions: items.map((i) => i.answer) };
    this.questions.push(question);
    const s = this.scripted(question);
    if (s.answered) return items.find((i) => i.answer === s.answer);
    return vscode.window.showQuickPick([...items], { title: q.title, ignoreFocusOut: true, ...options });
  }
}
