import type { InputBoxOptions, MultiPickOptions, PickItem, Prompter, QuickPickOptions, Severity } from '../../src/ui/prompter';
import { BACK } from '../../src/ui/prompter';

/** One answer to one question the extension asks, in order. */
export type ScriptStep =
  /** Choose the item whose label is given (as a user typing it and pressing Enter), or press Back/Esc. */
  | { pick: string | 'BACK' | 'ESC'; before?: () => void }
  /** Type these values one after another; each one's validation message is recorded. The last is submitted. */
  | { type: string[] | 'BACK' | 'ESC' }
  /** Answer a notification or modal with this action (undefined = dismiss); `before` runs as the modal shows (a modal only). */
  | { answer: string | undefined; before?: () => void }
  | { saveAs: string | undefined }
  /** Tick the items with these labels in a multi-select pick and accept (ESC = cancel). */
  | { picks: string[] | 'ESC' }
  | { open: string | undefined }
  /** Press Cancel on the next cancellable progress notification, after its first update. */
  | { cancelProgress: true };

export interface Shown {
  kind: 'quickPick' | 'inputBox' | 'message' | 'confirm' | 'progress';
  severity?: Severity;
  text: string;
  actions?: string[];
  items?: string[];
  /** A quick pick's item details, by item. */
  details?: string[];
  validation?: Array<string | undefined>;
  initialError?: string;
  value?: string;
  /** A progress notification's updates, in order. */
  reports?: string[];
}

/**
 * Answers the extension's questions from a script and records everything the user would have
 * seen. Every other part (SDK, HTTP, signatures, disk, OpenSSH) is real. A question the script
 * does not expect fails the test instead of hanging it.
 */
export class ScriptedPrompter implements Prompter {
  readonly shown: Shown[] = [];
  readonly clipboard: string[] = [];
  /**
   * Set: the next clipboard writes fail with it, as `vscode.env.clipboard.writeText` does in a
   * browser that denies clipboard access (a real clipboard cannot be made to fail in the host).
   */
  clipboardFailures: Error[] = [];
  private readonly script: ScriptStep[];

  constructor(...script: ScriptStep[]) {
    this.script = script;
  }

  get remaining(): number {
    return this.script.length;
  }

  messages(severity?: Severity): Shown[] {
    return this.shown.filter((s) => s.kind === 'message' && (!severity || s.severity === severity));
  }

  lastMessage(): Shown | undefined {
    return this.messages().at(-1);
  }

  private next<K extends string>(key: K, context: string): ScriptStep {
    const step = this.script.shift();
    if (!step || !(key in step)) {
      throw new Error(`Unexpected ${context}; next scripted step was ${JSON.stringify(step)}`);
    }
    return step;
  }

  async quickPick<T>(options: QuickPickOptions<T>): Promise<T | typeof BACK | undefined> {
    const items: PickItem<T>[] = await options.items;
    this.shown.push({ kind: 'quickPick', text: options.placeholder, items: items.map((i) => i.label), details: items.map((i) => i.detail ?? '') });
    const step = this.next('pick', `quick pick "${options.placeholder}"`) as { pick: string; before?: () => void };
    // Lets a test change the world while the user is looking at this step (e.g. a token expires).
    step.before?.();
    if (step.pick === 'BACK') return BACK;
    if (step.pick === 'ESC') return undefined;
    const item = items.find((i) => i.label === step.pick);
    if (!item) {
      throw new Error(`No item "${step.pick}" in quick pick "${options.placeholder}": ${items.map((i) => i.label).join(', ')}`);
    }
    return item.value;
  }

  async inputBox(options: InputBoxOptions): Promise<string | typeof BACK | undefined> {
    // Like the real box: no typing until the prompt's data has loaded; a failed load closes it.
    const prompt = await options.prompt;
    const record: Shown = { kind: 'inputBox', text: prompt, validation: [], initialError: options.initialError, value: options.value };
    this.shown.push(record);
    const step = this.next('type', `input box "${options.prompt}"`) as { type: string[] | 'BACK' | 'ESC' };
    if (step.type === 'BACK') return BACK;
    if (step.type === 'ESC') return undefined;
    for (const value of step.type) {
      record.validation!.push(options.validate(value));
    }
    const last = step.type.at(-1) ?? '';
    // Like the real box: Enter does nothing while the value is invalid, so the user gives up (Esc).
    return options.validate(last) === undefined ? last : undefined;
  }

  async message(severity: Severity, text: string, ...actions: string[]): Promise<string | undefined> {
    this.shown.push({ kind: 'message', severity, text, actions });
    const step = this.script[0];
    if (step && 'answer' in step && actions.length > 0) {
      this.script.shift();
      return step.answer;
    }
    return undefined;
  }

  async confirm(text: string, detail: string, ...actions: string[]): Promise<string | undefined> {
    this.shown.push({ kind: 'confirm', text: `${text} ${detail}`, actions });
    const step = this.next('answer', `modal "${text}"`) as { answer: string | undefined; before?: () => void };
    step.before?.();
    return step.answer;
  }

  async progress<T>(title: string, task: () => Promise<T>): Promise<T> {
    this.shown.push({ kind: 'progress', text: title });
    return task();
  }

  async cancellableProgress<T>(title: string, task: (signal: AbortSignal, report: (text: string) => void) => Promise<T>): Promise<T> {
    const record: Shown = { kind: 'progress', text: title, reports: [] };
    this.shown.push(record);
    const controller = new AbortController();
    const step = this.script[0];
    const cancel = step !== undefined && 'cancelProgress' in step;
    if (cancel) this.script.shift();
    return task(controller.signal, (text) => {
      record.reports!.push(text);
      if (cancel) controller.abort();
    });
  }

  async saveDialog(): Promise<string | undefined> {
    return (this.next('saveAs', 'save dialog') as { saveAs: string | undefined }).saveAs;
  }

  async writeClipboard(text: string): Promise<void> {
    const failure = this.clipboardFailures.shift();
    if (failure) {
      throw failure;
    }
    this.clipboard.push(text);
  }

  async multiPick<T>(options: MultiPickOptions<T>): Promise<T[] | undefined> {
    this.shown.push({ kind: 'quickPick', text: options.placeholder, items: options.items.map((i) => i.label) });
    const step = this.next('picks', `multi-select pick "${options.placeholder}"`) as { picks: string[] | 'ESC' };
    if (step.picks === 'ESC') return undefined;
    return step.picks.map((label) => {
      const item = options.items.find((i) => i.label === label);
      if (!item) {
        throw new Error(`No item "${label}" in pick "${options.placeholder}": ${options.items.map((i) => i.label).join(', ')}`);
      }
      return item.value;
    });
  }

  async openDialog(): Promise<string | undefined> {
    return (this.next('open', 'open dialog') as { open: string | undefined }).open;
  }
}
