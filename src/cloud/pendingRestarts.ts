import type { Memento } from './regionCache';

/** A key pair this extension attached to a server that has not restarted since. */
export interface PendingRestart {
  regionId: string;
  instanceId: string;
  keyPairName: string;
  attachedAt: number;
}

const KEY = 'swas.pendingRestarts';

/** The servers that still need a restart for a key pair attached here to take effect. */
export class PendingRestarts {
  constructor(
    private readonly memento: Memento,
    private readonly now: () => number = Date.now,
  ) {}

  private all(): PendingRestart[] {
    return this.memento.get<PendingRestart[]>(KEY) ?? [];
  }

  get(regionId: string, instanceId: string): PendingRestart | undefined {
    return this.all().find((p) => p.regionId === regionId && p.instanceId === instanceId);
  }

  async attached(regionId: string, instanceIds: readonly string[], keyPairName: string): Promise<void> {
    const kept = this.all().filter((p) => p.regionId !== regionId || !instanceIds.includes(p.instanceId));
    const added = instanceIds.map((instanceId) => ({ regionId, instanceId, keyPairName, attachedAt: this.now() }));
    await this.memento.update(KEY, [...kept, ...added]);
  }

  async restarted(regionId: string, instanceId: string): Promise<void> {
    await this.memento.update(KEY, this.all().filter((p) => p.regionId !== regionId || p.instanceId !== instanceId));
  }
}
