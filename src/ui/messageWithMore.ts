import * as vscode from 'vscode';
import { BACK, type Prompter, type Severity } from './prompter';

/**
 * A notification toast is about 450 px wide and cuts its buttons with an ellipsis once they do not fit:
 * three short labels fit, four do not (measured by test/ui/createKeyPair.ui.mjs).
 */
const MAX_BUTTONS = 3;

/** What a "More…" quick pick offers: an action, with the detail (a path, a fingerprint) the toast leaves out. */
export interface MoreItem {
  label: string;
  detail?: string;
}

/**
 * A notification that says one thing, with `buttons` and, when `more` has items or not all buttons fit,
 * a "More…" button offering the rest in a quick pick titled `more.title`, each item with its detail.
 * Resolves to the chosen button or item label, or undefined when dismissed.
 */
export async function messageWithMore(prompter: Prompter, severity: Severity, text: string, buttons: string[], more: { title: string; items: MoreItem[] }): Promise<string | undefined> {
  const moreLabel = vscode.l10n.t('More…');
  const needsMore = more.items.length > 0 || buttons.length > MAX_BUTTONS;
  const fitting = buttons.slice(0, needsMore ? MAX_BUTTONS - 1 : MAX_BUTTONS);
  const shown = needsMore ? [...fitting, moreLabel] : fitting;
  const overflow: MoreItem[] = [...buttons.slice(fitting.length).map((label) => ({ label })), ...more.items];
  const choice = await prompter.message(severity, text, ...shown);
  if (choice !== moreLabel) {
    return choice;
  }
  const picked = await prompter.quickPick<string>({
    title: more.title,
    step: 1,
    totalSteps: 1,
    placeholder: vscode.l10n.t('What to do next'),
    items: overflow.map((item) => ({ label: item.label, detail: item.detail, value: item.label })),
  });
  return picked === BACK ? undefined : picked;
}
