// A small owner for disposables: everything a class registers is disposed with it.
import type * as vscode from 'vscode';

export abstract class Disposable implements vscode.Disposable {
  private _disposables: vscode.Disposable[] = [];
  private _isDisposed = false;

  protected get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Takes ownership of `value`; if this owner is already disposed, disposes it at once. */
  protected _register<T extends vscode.Disposable>(value: T): T {
    if (this._isDisposed) {
      value.dispose();
    } else {
      this._disposables.push(value);
    }
    return value;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    // Last registered, first disposed.
    const disposables = this._disposables.reverse();
    this._disposables = [];
    for (const d of disposables) {
      try {
        d.dispose();
      } catch {
        // One failing dispose must not keep the others alive.
      }
    }
  }
}
