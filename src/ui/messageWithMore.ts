import * as vscode from 'vscode';
import { BACK, type Prompter, type Severity } from './prompter';

/**
 * A notification toast is about 450 px wide and cuts its buttons with an ellipsis once they do not fit:
 * three short labels fit, four do not (measured by test/ui/createKeyPair.ui.mjs).
 */
const MAX_BUTTONS = 3;

/**
 * A notification with `actions`, of which only the first ones become buttons when they would not fit:
 * the rest are offered by a "More…" button, in a quick pick titled `moreTitle`. Resolves to the chosen
 * action, or undefined when dismissed.
 */
export async function messageWithMore(prompter: Prompter, severity: Severity, text: string, actions: string[], moreTitle: string): Promise<string | undefined> {
  if (actions.length <= MAX_BUTTONS) {
    return prompter.message(severity, text, ...actions);
  }
  const more = vscode.l10n.t('More…');
  const buttons = actions.slice(0, MAX_BUTTONS - 1);
  const choice = await prompter.message(severity, text, ...buttons, more);
  if (choice !== more) {
    return choice;
  }
  const picked = await prompter.quickPick<string>({
    title: moreTitle,
    step: 1,
    totalSteps: 1,
    placeholder: vscode.l10n.t('What to do next'),
    items: actions.slice(MAX_BUTTONS - 1).map((action) => ({ label: action, value: action })),
  });
  return picked === BACK ? undefined : picked;
}
