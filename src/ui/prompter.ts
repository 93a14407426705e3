import * as vscode from 'vscode';

/** Returned by a step when the user pressed Back. */
// Symbol.for: the bundled extension and its tests load separate copies of this module.
export const BACK = Symbol.for('swas.quickInput.back');
export type Back = typeof BACK;

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export interface StepOptions {
  title: string;
  step: number;
  totalSteps: number;
}

export interface QuickPickOptions<T> extends StepOptions {
  placeholder: string;
  /** Items may arrive later: the pick shows busy until they do. */
  items: PickItem<T>[] | Promise<PickItem<T>[]>;
  /** Compared with `value` to preselect an item. */
  active?: T;
}

export interface InputBoxOptions extends StepOptions {
  /**
   * A promise when the prompt needs data still loading: the box opens at once, busy and closed to
   * typing, so the quick input never closes between steps; a rejection closes it and is thrown.
   */
  prompt: string | Promise<string>;
  placeholder?: string;
  value?: string;
  password?: boolean;
  /** Checked as the user types: a message when the value is not acceptable. */
  validate: (value: string) => string | undefined;
  /** Shown when the box opens, e.g. why a previous value was refused. */
  initialError?: string;
}

export type Severity = 'info' | 'warning' | 'error';

/**
 * Everything the commands ask or tell the user. The VS Code implementation below is the product;
 * integration tests substitute a scripted one that answers the same calls and records what the
 * user would have seen, so the rest (SDK, HTTP, disk, OpenSSH) runs for real.
 */
export interface Prompter {
  quickPick<T>(options: QuickPickOptions<T>): Promise<T | Back | undefined>;
  inputBox(options: InputBoxOptions): Promise<string | Back | undefined>;
  /** A notification; resolves to the chosen action, or undefined when dismissed. */
  message(severity: Severity, text: string, ...actions: string[]): Promise<string | undefined>;
  /** A modal question; resolves to the chosen action, or undefined when cancelled. */
  confirm(text: string, detail: string, ...actions: string[]): Promise<string | undefined>;
  progress<T>(title: string, task: () => Promise<T>): Promise<T>;
  /** A notification with Cancel: `signal` aborts when the user cancels; `report` updates its text. */
  cancellableProgress<T>(title: string, task: (signal: AbortSignal, report: (text: string) => void) => Promise<T>): Promise<T>;
  saveDialog(defaultPath: string, title: string): Promise<string | undefined>;
  writeClipboard(text: string): Promise<void>;
  /** A pick of several items; resolves to the chosen values (maybe none), or undefined when cancelled. */
  multiPick<T>(options: MultiPickOptions<T>): Promise<T[] | undefined>;
  /** Asks for one existing file; `filters` maps a label to extensions without dots. */
  openDialog(title: string, defaultPath: string, filters: Record<string, string[]>): Promise<string | undefined>;
}

export interface MultiPickOptions<T> {
  title: string;
  placeholder: string;
  items: PickItem<T>[];
  /** Items that start selected. */
  picked?: T[];
}

export class VsCodePrompter implements Prompter {
  quickPick<T>(options: QuickPickOptions<T>): Promise<T | Back | undefined> {
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { value: T }>();
    pick.title = options.title;
    // a lone question shows no "1/1" counter
    if (options.totalSteps > 1) {
      pick.step = options.step;
      pick.totalSteps = options.totalSteps;
    }
    pick.placeholder = options.placeholder;
    pick.matchOnDescription = true;
    pick.matchOnDetail = true;
    pick.ignoreFocusOut = true;
    pick.buttons = options.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    pick.busy = true;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (value: T | Back | undefined) => {
        if (!settled) {
          settled = true;
          resolve(value);
          pick.dispose();
        }
      };
      pick.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && finish(BACK));
      pick.onDidAccept(() => {
        const chosen = pick.selectedItems[0];
        if (chosen) {
          finish(chosen.value);
        }
      });
      pick.onDidHide(() => finish(undefined));
      pick.show();
      Promise.resolve(options.items).then(
        (items) => {
          pick.items = items;
          const active = pick.items.find((i) => i.value === options.active);
          if (active) {
            pick.activeItems = [active];
          }
          pick.busy = false;
        },
        () => {
          pick.busy = false;
        },
      );
    });
  }

  inputBox(options: InputBoxOptions): Promise<string | Back | undefined> {
    const box = vscode.window.createInputBox();
    box.title = options.title;
    box.step = options.step;
    box.totalSteps = options.totalSteps;
    box.placeholder = options.placeholder;
    box.value = options.value ?? '';
    box.password = options.password ?? false;
    box.ignoreFocusOut = true;
    box.buttons = options.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    box.validationMessage = options.initialError;
    const loading = typeof options.prompt !== 'string';
    box.prompt = loading ? vscode.l10n.t('Loading…') : (options.prompt as string);
    box.busy = loading;
    box.enabled = !loading;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (value: string | Back | undefined) => {
        if (!settled) {
          settled = true;
          resolve(value);
          box.dispose();
        }
      };
      Promise.resolve(options.prompt).then(
        (prompt) => {
          box.prompt = prompt;
          box.busy = false;
          box.enabled = true;
        },
        (error: unknown) => {
          if (!settled) {
            settled = true;
            reject(error);
            box.dispose();
          }
        },
      );
      box.onDidChangeValue((value) => {
        box.validationMessage = options.validate(value);
      });
      box.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && finish(BACK));
      box.onDidAccept(() => {
        if (!box.enabled) {
          return;
        }
        const problem = options.validate(box.value);
        box.validationMessage = problem;
        if (!problem) {
          finish(box.value);
        }
      });
      box.onDidHide(() => finish(undefined));
      box.show();
    });
  }

  async message(severity: Severity, text: string, ...actions: string[]): Promise<string | undefined> {
    const show =
      severity === 'error' ? vscode.window.showErrorMessage : severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    return show(text, ...actions);
  }

  async confirm(text: string, detail: string, ...actions: string[]): Promise<string | undefined> {
    return vscode.window.showWarningMessage(text, { modal: true, detail }, ...actions);
  }

  async progress<T>(title: string, task: () => Promise<T>): Promise<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: false }, task);
  }

  async cancellableProgress<T>(title: string, task: (signal: AbortSignal, report: (text: string) => void) => Promise<T>): Promise<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return task(controller.signal, (message) => progress.report({ message }));
    });
  }

  async saveDialog(defaultPath: string, title: string): Promise<string | undefined> {
    const uri = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(defaultPath), title, saveLabel: title });
    return uri?.fsPath;
  }

  async writeClipboard(text: string): Promise<void> {
    await vscode.env.clipboard.writeText(text);
  }

  async multiPick<T>(options: MultiPickOptions<T>): Promise<T[] | undefined> {
    const items = options.items.map((item) => ({ ...item, picked: options.picked?.includes(item.value) ?? false }));
    const chosen = await vscode.window.showQuickPick(items, {
      title: options.title,
      placeHolder: options.placeholder,
      canPickMany: true,
      ignoreFocusOut: true,
      matchOnDescription: true,
      matchOnDetail: true,
    });
    return chosen?.map((item) => item.value);
  }

  async openDialog(title: string, defaultPath: string, filters: Record<string, string[]>): Promise<string | undefined> {
    const uris = await vscode.window.showOpenDialog({ title, openLabel: title, defaultUri: vscode.Uri.file(defaultPath), canSelectMany: false, filters });
    return uris?.[0]?.fsPath;
  }
}
