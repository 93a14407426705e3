import * as vscode from 'vscode';
import { DEFAULT_TIMEOUTS, SwasClient } from './cloud/client';
import { realClock, type Clock } from './cloud/clock';
import { credentialInputs, resolveCredentials, ResolvedCredentials, StaticCredentials } from './cloud/credentials';
import { PayAsYouGoRegions } from './cloud/payAsYouGo';
import { PendingRestarts } from './cloud/pendingRestarts';
import { RateBudget, type RateWait } from './cloud/rateBudget';
import { RegionCache } from './cloud/regionCache';
import { readSettings, Settings } from './settings';
import { WrittenKeyFiles } from './ssh/writtenKeyFiles';
import { describeCredentialSource } from './ui/errorMessages';
import { settingsProblem } from './ui/settingsCheck';
import { Prompter, VsCodePrompter } from './ui/prompter';

const SIGNED_IN_SECRET = 'swas.accessKey';

/** What every command needs: the log, credentials, an API client, caches and the prompter. */
export class Services {
  prompter: Prompter = new VsCodePrompter();
  /** Opens a new window on a remote authority; integration tests record the call instead (a new window would leave the test host). */
  openRemoteWindow: (remoteAuthority: string) => Thenable<unknown> = (remoteAuthority) =>
    vscode.commands.executeCommand('vscode.newWindow', { remoteAuthority, reuseWindow: false });
  /** What retries and restart waits wait on; the integration tests install a faster one. */
  clock: Clock = realClock;
  readonly regionCache: RegionCache;
  /** Servers with a key pair attached here and no restart since. */
  readonly pendingRestarts: PendingRestarts;
  /** The key files this extension wrote: the only ones Delete offers to remove. */
  readonly writtenKeyFiles: WrittenKeyFiles;
  /** The account's rate budget, one for every command and the tree; it waits on `clock`, whichever is installed. */
  readonly rateBudget = new RateBudget({ now: () => this.clock.now(), sleep: (ms, signal) => this.clock.sleep(ms, signal) });
  /** Where pay-as-you-go servers were found; Refresh forgets it. */
  readonly payAsYouGoRegions = new PayAsYouGoRegions();
  /** When the rate-limit notification on screen ends (clock time): a shorter wait meanwhile shows none of its own. */
  private rateWaitShownUntil = 0;
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  private cachedClient: { key: string; client: SwasClient } | undefined;
  private signedIn: Promise<StaticCredentials | undefined> | undefined;
  private resolved: { inputs: string; credentials: Promise<ResolvedCredentials> } | undefined;
  /**
   * Fires after a change the extension makes in the cloud or on disk, with the region it touched
   * (undefined: every region, e.g. other credentials), so views reload only that region.
   */
  readonly onDidChange = this.changed.event;

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {
    const memento = {
      get: <T>(key: string) => context.globalState.get<T>(key),
      update: (key: string, value: unknown) => context.globalState.update(key, value),
    };
    this.regionCache = new RegionCache(memento);
    this.pendingRestarts = new PendingRestarts(memento);
    this.writtenKeyFiles = new WrittenKeyFiles(memento);
    // Another window may sign in or out: forget the copy kept here.
    context.subscriptions.push(
      context.secrets.onDidChange((event) => {
        if (event.key === SIGNED_IN_SECRET) {
          this.signedIn = undefined;
        }
      }),
    );
  }

  notifyChanged(regionId?: string): void {
    this.changed.fire(regionId);
  }

  /**
   * Kept in memory after the first read: in a remote or web window every SecretStorage read is a
   * round trip to the UI side, and the tree resolves credentials once per region.
   */
  signedInCredentials(): Promise<StaticCredentials | undefined> {
    this.signedIn ??= this.readSignedInCredentials();
    return this.signedIn;
  }

  private async readSignedInCredentials(): Promise<StaticCredentials | undefined> {
    const stored = await this.context.secrets.get(SIGNED_IN_SECRET);
    if (!stored) {
      return undefined;
    }
    try {
      const parsed = JSON.parse(stored) as StaticCredentials;
      return parsed.accessKeyId && parsed.accessKeySecret ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  async storeSignedInCredentials(credentials: StaticCredentials | undefined): Promise<void> {
    if (credentials) {
      await this.context.secrets.store(SIGNED_IN_SECRET, JSON.stringify(credentials));
    } else {
      await this.context.secrets.delete(SIGNED_IN_SECRET);
    }
    this.signedIn = undefined;
    this.notifyChanged();
  }

  /**
   * Throws `CredentialsError` when nothing is configured or the configured source fails. A success
   * is kept while the variables and files the chain reads are unchanged: role sources cost a round
   * trip to STS or the metadata service, and the library refreshes their keys itself.
   */
  async credentials(): Promise<ResolvedCredentials> {
    const signedIn = await this.signedInCredentials();
    const inputs = await credentialInputs(signedIn);
    if (this.resolved?.inputs !== inputs) {
      const credentials = resolveCredentials(signedIn);
      this.resolved = { inputs, credentials };
      credentials.then(
        (c) => this.log.info(`Credentials: ${describeCredentialSource(c.source)}, AccessKey ID ${c.accessKeyId.slice(0, 8)}…`),
        () => {
          if (this.resolved?.credentials === credentials) this.resolved = undefined;
        },
      );
    }
    return this.resolved.credentials;
  }

  /**
   * One client per credentials-and-settings combination, so the SDK instances and their kept-alive
   * connections are shared by the tree's parallel region loads and the commands.
   */
  client(credentials: ResolvedCredentials): SwasClient {
    const settings = readSettings();
    // Never the public endpoint in place of one the user set but mistyped.
    const problem = settingsProblem(settings);
    if (problem) {
      throw problem;
    }
    const key = JSON.stringify([credentials.identity, settings.endpointSetting, settings.requestTimeoutMs, vscode.env.language]);
    if (this.cachedClient?.key === key) {
      return this.cachedClient.client;
    }
    const client = this.createClient(credentials, settings);
    this.cachedClient = { key, client };
    return client;
  }

  private createClient(credentials: ResolvedCredentials, settings: Settings): SwasClient {
    return new SwasClient({
      credentials,
      endpointOverride: settings.endpoint.endpoint,
      listedEndpoint: (regionId) => this.regionCache.fresh(vscode.env.language)?.find((r) => r.regionId === regionId)?.endpoint,
      acceptLanguage: vscode.env.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en-US',
      logger: this.log,
      timeouts: { connectMs: Math.min(DEFAULT_TIMEOUTS.connectMs, settings.requestTimeoutMs), readMs: settings.requestTimeoutMs },
      sleep: (ms) => this.clock.sleep(ms),
      budget: this.rateBudget,
      onRateWait: (wait) => this.showRateWait(wait),
      payAsYouGo: this.payAsYouGoRegions,
    });
  }

  /** Logs each wait for the rate limit; one longer than a second is shown as a progress notification. */
  private showRateWait(wait: RateWait): void {
    const seconds = Math.ceil(wait.ms / 1000);
    this.log.info(
      `${wait.action}: waiting ${seconds} s for Alibaba Cloud's rate limit` +
        (wait.afterThrottled ? ' (the service throttled the call: another tool on the account is using its budget).' : ' (this extension keeps to 80% of it).'),
    );
    const end = this.clock.now() + wait.ms;
    if (wait.ms <= 1000 || end <= this.rateWaitShownUntil) {
      return;
    }
    this.rateWaitShownUntil = end;
    void this.prompter.progress(vscode.l10n.t("Waiting for Alibaba Cloud's rate limit ({0} s)…", seconds), () => wait.done);
  }
}
