// The control list, virtualised: a spacer as tall as every row, and only the rows in view (plus some overscan)
// rendered, moved into place. ↑/↓ move the selection, Enter opens the source, a click shows it beside.
// The scroll position is the only state of its own: it belongs to the DOM, not to the store.
import { html, nothing, type TemplateResult } from 'lit';
import type { PanelReport } from '../../src/protocol/messages';
import type { PanelState } from '../store';
import { visibleWindow, type Row } from '../viewModel';
import { STATUS_CLASS, STATUS_ICON } from './labels';
import { StoreElement } from './storeElement';

export const ROW_HEIGHT = 24;

interface ListSlice {
  [k: string]: unknown;
  report: PanelReport | undefined;
  rows: readonly Row[];
  empty: boolean;
  selectedKey: number | undefined;
  grouped: boolean;
  scrollTarget: PanelState['scrollTarget'];
}

export class KcControlList extends StoreElement<ListSlice> {
  /** The rows drawn: [start, end). */
  private drawn = { start: 0, end: 0 };
  /** The last scroll request handled. */
  private scrolledTo: PanelState['scrollTarget'];
  private resizeObserver: ResizeObserver | undefined;
  private readonly onScroll = { handleEvent: () => this.onViewport(), passive: true };

  protected pick(s: PanelState): ListSlice {
    return {
      report: s.report,
      rows: s.rows,
      empty: !!s.report && s.matching.length === 0,
      selectedKey: s.selectedKey,
      grouped: !!s.filter.groupByFile,
      scrollTarget: s.scrollTarget,
    };
  }

  private get list(): HTMLElement | null {
    return this.querySelector<HTMLElement>('.list');
  }

  override disconnectedCallback(): void {
    this.resizeObserver?.disconnect();
    this.resizeObserver = undefined;
    super.disconnectedCallback();
  }

  /** The spacer's height for the rows, then the pending scroll request (after the height, so it is not clamped). */
  private layout(list: HTMLElement): void {
    const spacer = list.querySelector<HTMLElement>('.spacer')!;
    spacer.style.height = `${this.slice.rows.length * ROW_HEIGHT}px`;
    const target = this.slice.scrollTarget;
    if (!target || target === this.scrolledTo) return;
    this.scrolledTo = target;
    const i = this.slice.rows.findIndex((r) => r.kind === 'control' && r.key === target.key);
    if (i < 0) return;
    const top = i * ROW_HEIGHT;
    if (top < list.scrollTop || top + ROW_HEIGHT > list.scrollTop + list.clientHeight) list.scrollTop = Math.max(0, top - list.clientHeight / 2);
  }

  private windowFor(list: HTMLElement | null): { start: number; end: number } {
    return visibleWindow(list?.scrollTop ?? 0, list?.clientHeight || 600, ROW_HEIGHT, this.slice.rows.length);
  }

  /** Scrolled or resized: render again if other rows come into view. */
  private onViewport(): void {
    const w = this.windowFor(this.list);
    if (w.start !== this.drawn.start || w.end !== this.drawn.end) this.requestUpdate();
  }

  protected override willUpdate(): void {
    const list = this.list;
    if (list) this.layout(list);
    this.drawn = this.windowFor(list);
  }

  protected override firstUpdated(): void {
    const list = this.list!;
    this.layout(list);
    this.onViewport();
    this.resizeObserver = new ResizeObserver(() => this.onViewport());
    this.resizeObserver.observe(list);
  }

  protected override updated(): void {
    this.querySelector<HTMLElement>('.rows')!.style.transform = `translateY(${this.drawn.start * ROW_HEIGHT}px)`;
  }

  private onKey(e: KeyboardEvent): void {
    const { report, rows, selectedKey } = this.slice;
    if (!report || rows.length === 0) return;
    const controlRows = rows.flatMap((r) => (r.kind === 'control' ? [r.key] : []));
    const at = selectedKey === undefined ? -1 : controlRows.indexOf(selectedKey);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = controlRows[Math.max(0, Math.min(controlRows.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)))];
      if (next !== undefined) this.app.select(next, true);
    } else if (e.key === 'Enter' && selectedKey !== undefined) {
      void this.app.openSource(selectedKey);
    }
  }

  private row(row: Row, i: number): TemplateResult {
    if (row.kind === 'group') {
      return html`<div class="row group" data-i=${i} role="presentation" @click=${() => this.app.toggleGroup(row.file)}>
        <span class="codicon codicon-${row.collapsed ? 'chevron-right' : 'chevron-down'}"></span>
        <span class="codicon codicon-file-code"></span>
        <span class="file">${row.file}</span>
        <span class="group-count">${row.count}${row.failed ? html` · <span class="status-failed">${row.failed} failing</span>` : nothing}</span>
      </div>`;
    }
    const { report, selectedKey, grouped } = this.slice;
    const c = report!.controls[row.key];
    const selected = selectedKey === c.key;
    return html`<div class="row control ${selected ? 'selected' : ''} ${grouped ? 'indented' : ''}" data-i=${i} data-key=${c.key} role="option"
      aria-selected=${selected ? 'true' : 'false'} @click=${() => this.app.choose(c.key)} @dblclick=${() => void this.app.openSource(c.key)}>
      <span class="codicon codicon-${STATUS_ICON[c.status]} status-${STATUS_CLASS[c.status]}" title=${c.status}></span>
      <span class="id">${c.id}</span>
      <span class="title">${c.title}</span>
      <span class="sev sev-${c.severity}">${c.severity}</span>
    </div>`;
  }

  protected override render() {
    const { rows, empty } = this.slice;
    const visible: TemplateResult[] = [];
    for (let i = this.drawn.start; i < this.drawn.end; i++) visible.push(this.row(rows[i], i));
    return html`<section class="list-pane" aria-label="Controls">
      <div class="list" tabindex="0" role="listbox" aria-label="Controls" @scroll=${this.onScroll} @keydown=${this.onKey}><div class="spacer"></div><div class="rows">${visible}</div></div>
      <div class="list-footer">${empty ? html`<div class="empty-list">No control matches the filter.</div>` : nothing}</div>
    </section>`;
  }
}
customElements.define('kc-control-list', KcControlList);
