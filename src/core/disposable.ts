/** A vscode-free disposable, compatible with `vscode.Disposable` by shape. */
export interface IDisposable {
  dispose(): void;
}

/** Base class that owns disposables and releases them in reverse order (the PR extension's `_register` habit). */
export abstract class Disposable implements IDisposable {
  private readonly owned: IDisposable[] = [];
  private disposed = false;

  protected register<T extends IDisposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.owned.push(d);
    return d;
  }

  /** Registers several at once (in order; released in reverse). */
  protected registerAll(...ds: IDisposable[]): void {
    for (const d of ds) this.register(d);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const d of this.owned.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        // one failing disposable must not keep the others alive
      }
    }
  }
}

export function toDisposable(fn: () => void): IDisposable {
  return { dispose: fn };
}
