import * as vscode from 'vscode';
import { KEY_PAIR_NAME_MAX, KEY_PAIR_NAME_MIN, KeyPairNameCheck } from '../cloud/keyPairName';

/** Names the rule a key-pair name breaks, in the user's language. */
export function keyPairNameProblemMessage(check: KeyPairNameCheck): string {
  switch (check.problem) {
    case 'empty':
      return vscode.l10n.t('Enter a name for the key pair.');
    case 'tooShort':
      return vscode.l10n.t('The name must be at least {0} characters long.', KEY_PAIR_NAME_MIN);
    case 'tooLong':
      return vscode.l10n.t('The name must be at most {0} characters long.', KEY_PAIR_NAME_MAX);
    case 'badFirstCharacter':
      return vscode.l10n.t('The name must start with a letter or a Chinese character, not "{0}".', printable(check.character));
    case 'badCharacter':
      return vscode.l10n.t('"{0}" is not allowed: use letters, digits, Chinese characters, ":", "_" or "-".', printable(check.character));
    case 'urlPrefix':
      return vscode.l10n.t('The name must not start with http:// or https://.');
  }
}

/** Spaces and control characters are invisible in a message: show them by name or code point. */
function printable(character: string | undefined): string {
  if (character === undefined) return '';
  if (character === ' ') return vscode.l10n.t('space');
  const codePoint = character.codePointAt(0) ?? 0;
  return codePoint < 0x20 || codePoint === 0x7f ? `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}` : character;
}
