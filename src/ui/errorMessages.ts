import * as vscode from 'vscode';
import { CloudError } from '../cloud/errors';
import { CredentialsError, CredentialSource } from '../cloud/credentials';
import { KeySaveError } from '../ssh/keyPlacement';
import { formatProblems, SshConfigError } from '../ssh/sshConfigError';

export const ACTION_SIGN_IN = () => vscode.l10n.t('Sign In');
export const ACTION_SHOW_LOG = () => vscode.l10n.t('Show Log');
export const ACTION_OPEN_SETTINGS = () => vscode.l10n.t('Open Settings');
export const ACTION_RETRY = () => vscode.l10n.t('Retry');

export interface UserMessage {
  text: string;
  actions: string[];
}

/** A plain sentence with the next step for every way an API call can fail. */
export function describeCloudError(error: CloudError, regionId: string): UserMessage {
  const { code, requestId, serverMessage, accessDeniedDetail } = error.details;
  const support = requestId ? ' ' + vscode.l10n.t('(Request ID {0}.)', requestId) : '';
  const action = `swas-open:${error.action}`;
  switch (error.kind) {
    case 'nameExists':
      return { text: vscode.l10n.t('A key pair with this name already exists in {0}. Choose another name.', regionId), actions: [] };
    case 'quotaExceeded':
      return {
        text: vscode.l10n.t('{0} already has the maximum number of key pairs. Delete one you no longer use (SWAS sidebar or console), then try again.', regionId) + support,
        actions: [],
      };
    case 'keyPairInUse':
      return { text: vscode.l10n.t('The key pair is still attached to a server. Detach it first, then try again.') + support, actions: [] };
    case 'accessKeyNotFound':
      return { text: vscode.l10n.t('The AccessKey ID is not known to Alibaba Cloud. Sign in again with a valid AccessKey.') + support, actions: [ACTION_SIGN_IN()] };
    case 'accessKeyInactive':
      return { text: vscode.l10n.t('The AccessKey is disabled. Enable it in the RAM console or sign in with another one.') + support, actions: [ACTION_SIGN_IN()] };
    case 'signatureMismatch':
      return {
        text: vscode.l10n.t('Alibaba Cloud rejected the request signature: the AccessKey secret is probably wrong. Sign in again; if it persists, check that this computer\'s clock is correct.') + support,
        actions: [ACTION_SIGN_IN()],
      };
    case 'clockSkew':
      return { text: vscode.l10n.t('This computer\'s clock differs from Alibaba Cloud\'s by more than 15 minutes. Correct the system time, then try again.') + support, actions: [] };
    case 'tokenExpired':
      return { text: vscode.l10n.t('The STS security token has expired. Get a new token (or sign in with an AccessKey), then try again.') + support, actions: [ACTION_SIGN_IN()] };
    case 'forbidden': {
      const denied = accessDeniedDetail?.AuthAction ?? action;
      const detail = accessDeniedDetail?.NoPermissionType ? ` (${accessDeniedDetail.NoPermissionType}${accessDeniedDetail.PolicyType ? ', ' + accessDeniedDetail.PolicyType : ''})` : '';
      return {
        text: vscode.l10n.t('This account is not allowed to perform {0}{1}. Ask your administrator to grant it in RAM, then try again.', denied, detail) + support,
        actions: [],
      };
    }
    case 'throttled':
      return { text: vscode.l10n.t('Alibaba Cloud is throttling requests from this account. Wait a minute, then try again.') + support, actions: [ACTION_RETRY()] };
    case 'invalidParameter':
      return { text: vscode.l10n.t('Alibaba Cloud refused the request: {0}', serverMessage ?? code ?? error.message) + support, actions: [ACTION_SHOW_LOG()] };
    case 'serverError':
      return { text: vscode.l10n.t('Alibaba Cloud had an internal error ({0}). Try again in a moment.', code ?? 'HTTP 5xx') + support, actions: [ACTION_RETRY()] };
    case 'timeout':
      return { text: vscode.l10n.t('Alibaba Cloud did not answer in time. Check your network or proxy, then try again.'), actions: [ACTION_RETRY(), ACTION_SHOW_LOG()] };
    case 'connectionRefused':
      return { text: vscode.l10n.t('The connection to the SWAS endpoint was refused. Check the "swas.endpoint" setting and your proxy.'), actions: [ACTION_OPEN_SETTINGS(), ACTION_SHOW_LOG()] };
    case 'dnsFailure':
      return { text: vscode.l10n.t('The SWAS endpoint for {0} could not be found (DNS). Check your network, the region and the "swas.endpoint" setting.', regionId), actions: [ACTION_OPEN_SETTINGS(), ACTION_SHOW_LOG()] };
    case 'network':
      return { text: vscode.l10n.t('The connection to Alibaba Cloud failed. Check your network or proxy, then try again.'), actions: [ACTION_RETRY(), ACTION_SHOW_LOG()] };
    case 'badResponse':
      return {
        text: vscode.l10n.t('The SWAS endpoint answered with something that is not an API response (a proxy or gateway page?). Check the "swas.endpoint" setting and your proxy.') + support,
        actions: [ACTION_SHOW_LOG()],
      };
    default:
      return { text: vscode.l10n.t('{0} failed: {1}', error.action, serverMessage ?? code ?? error.message) + support, actions: [ACTION_SHOW_LOG()] };
  }
}

export function describeCredentialsError(error: CredentialsError): UserMessage {
  const culprit = error.culprit;
  if (error.reason === 'none' || !culprit) {
    return {
      text: vscode.l10n.t('No Alibaba Cloud credentials found. Sign in with an AccessKey, or configure the aliyun CLI, ~/.alibabacloud/credentials or the ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET environment variables.'),
      actions: [ACTION_SIGN_IN()],
    };
  }
  if (culprit.kind === 'variable') {
    return {
      text: vscode.l10n.t('The credentials set by the environment variable {0} cannot be used: {1}. Fix or unset the variable and restart VS Code, or sign in here.', culprit.name, error.message),
      actions: [ACTION_SIGN_IN()],
    };
  }
  return {
    text: vscode.l10n.t('The credentials in {0} (profile "{1}") cannot be used: {2}. Fix the file (for the aliyun CLI: "aliyun configure --profile {1}"), or sign in here.', culprit.path, culprit.profile ?? 'default', error.message),
    actions: [ACTION_SIGN_IN()],
  };
}

/** Which credential source signs the calls, as the user set it up (shown beside the sidebar title). */
export function describeCredentialSource(source: CredentialSource): string {
  switch (source.kind) {
    case 'signedIn':
      return vscode.l10n.t('AccessKey signed in to VS Code');
    case 'environment':
      return vscode.l10n.t('environment');
    case 'oidc':
      return vscode.l10n.t('OIDC role (environment)');
    case 'cliProfile':
      return vscode.l10n.t('aliyun CLI profile {0}', source.profile);
    case 'credentialsFile':
      return vscode.l10n.t('credentials file profile {0}', source.profile);
    case 'ecsRamRole':
      return vscode.l10n.t('ECS RAM role');
    case 'credentialsUri':
      return vscode.l10n.t('credentials URI');
  }
}

/** Why a key file could not be written, in the user's language; the module's English detail goes to the log. */
export function describeKeySaveError(error: KeySaveError): string {
  switch (error.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return vscode.l10n.t('the disk holding {0} is full', error.path);
    case 'EROFS':
      return vscode.l10n.t('{0} is on a read-only file system', error.path);
    case 'EACCES':
    case 'EPERM':
      return vscode.l10n.t('you are not allowed to write to {0}', error.path);
    case 'IN_USE':
      return vscode.l10n.t('another program (an antivirus, search indexer or sync client?) kept {0} in use while it was retried', error.path);
    case 'ENOTDIR':
      return vscode.l10n.t('{0} is not a folder', error.path);
    case 'EEXIST':
    case 'EISDIR':
      return vscode.l10n.t('{0} already exists', error.path);
    case 'INSECURE_MODE':
    case 'WINDOWS_ACL':
      return vscode.l10n.t('{0} could not be made readable by you alone', error.path);
    default:
      return vscode.l10n.t('{0} could not be written ({1})', error.path, error.code);
  }
}

/** Why the SSH config was left unchanged, in the user's language. */
export function describeSshConfigError(error: unknown, configPath: string): string {
  if (!(error instanceof SshConfigError)) {
    return vscode.l10n.t('{0} could not be updated; see the log for details', configPath);
  }
  switch (error.code) {
    case 'MARKERS_UNBALANCED':
      return vscode.l10n.t('a BEGIN or END marker line of an SWAS block is missing in {0}. Repair or remove the block, then try again', configPath);
    case 'MARKERS_DUPLICATED':
      return vscode.l10n.t('the same SWAS block appears twice in {0}. Remove one copy, then try again', configPath);
    case 'VERIFY_FAILED':
      return vscode.l10n.t('OpenSSH ("ssh -G") does not read the new entry as written ({0}). Check {1} with "ssh -G"', formatProblems(error.problems), configPath);
    case 'CONFIG_INVALID':
      return error.unknownOptions.length > 0
        ? vscode.l10n.t('{0} already fails OpenSSH\'s own check ("ssh -G") before any change: {1}. Add "IgnoreUnknown {2}" as the first line of the file (before any Host or Match line), then try again', configPath, formatProblems(error.problems), error.unknownOptions.join(','))
        : vscode.l10n.t('{0} already fails OpenSSH\'s own check ("ssh -G") before any change: {1}. Fix these lines, then try again', configPath, formatProblems(error.problems));
    case 'BOM':
      return vscode.l10n.t('{0} starts with a UTF-8 byte order mark (BOM), which OpenSSH reads as part of the first keyword, so it rejects the whole file. Save the file as UTF-8 without BOM, then try again', configPath);
    case 'LOCKED':
      return vscode.l10n.t('another window kept {0} locked. Try again in a moment', configPath);
    case 'IN_USE':
      return vscode.l10n.t('another program (an antivirus, search indexer or sync client?) kept {0} in use while it was retried. Try again in a moment', configPath);
    case 'UNPARSEABLE':
      return vscode.l10n.t('{0} could not be parsed (an unclosed quote?). Fix it, then try again', configPath);
    case 'VALUE_UNWRITABLE':
      return error.unwritable?.keyword === 'User'
        ? vscode.l10n.t('the user name "{0}" (setting swas.defaultUser) holds a character an SSH config cannot express (a double quote, a backslash before a quote, space or backslash, a percent sign or a control character). Change the setting, then use Connect to write the entry', error.unwritable.value)
        : vscode.l10n.t('the key file path "{0}" holds a character an SSH config cannot express (a double quote, a backslash before a quote, space or backslash, or a control character). Set swas.sshKeyDirectory to a folder whose path has none, move the key there, then use Connect to write the entry', error.unwritable?.value ?? '');
    default:
      return vscode.l10n.t('{0} or its backup could not be written (read-only, full disk or no permission); details are in the log', error.path ?? configPath);
  }
}
