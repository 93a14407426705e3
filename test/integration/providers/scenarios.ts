/**
 * Which stand-in remote-SSH extensions (test/fixtures/remote-ssh-providers/<id>) each provider run
 * installs in the host; `broken` ones fail to activate. The host is code-server, an Open VSX editor.
 */
export interface ProviderScenario {
  name: string;
  installed: string[];
  broken: string[];
  /** Activate but register none of their commands. */
  silent?: string[];
  /** The suite titles it runs (SWAS_TEST_GREP selects scenarios by them). */
  titles: string[];
}

export const PROVIDER_SCENARIOS: readonly ProviderScenario[] = [
  {
    name: 'microsoft',
    installed: ['ms-vscode-remote.remote-ssh'],
    broken: [],
    titles: ['Remote-SSH provider: Microsoft', 'Remote-SSH provider: Microsoft, with remote.SSH.configFile set'],
  },
  { name: 'open-remote-ssh', installed: ['jeanp413.open-remote-ssh'], broken: [], titles: ['Remote-SSH provider: open-remote-ssh'] },
  { name: 'cursor', installed: ['anysphere.remote-ssh'], broken: [], titles: ['Remote-SSH provider: Cursor'] },
  { name: 'cursor-unknown-commands', installed: ['anysphere.remote-ssh'], broken: [], silent: ['anysphere.remote-ssh'], titles: ['Remote-SSH provider: Cursor without the known command'] },
  { name: 'windsurf', installed: ['codeium.windsurf-remote-openssh'], broken: [], titles: ['Remote-SSH provider: Windsurf'] },
  {
    name: 'all',
    installed: ['ms-vscode-remote.remote-ssh', 'anysphere.remote-ssh', 'codeium.windsurf-remote-openssh', 'jeanp413.open-remote-ssh'],
    // Microsoft's and Cursor's register the same command IDs; in an editor that is not Microsoft's, Microsoft's does not run.
    broken: ['ms-vscode-remote.remote-ssh'],
    titles: ['Remote-SSH provider: all installed'],
  },
  { name: 'microsoft-refusing', installed: ['ms-vscode-remote.remote-ssh'], broken: ['ms-vscode-remote.remote-ssh'], titles: ['Remote-SSH provider: Microsoft refusing to run'] },
];

export function currentScenario(): ProviderScenario {
  const scenario = PROVIDER_SCENARIOS.find((s) => s.name === process.env.SWAS_PROVIDER_SCENARIO);
  if (!scenario) throw new Error(`unknown SWAS_PROVIDER_SCENARIO ${process.env.SWAS_PROVIDER_SCENARIO}`);
  return scenario;
}
