export interface FirewallRule {
  ruleId?: string;
  /** TCP, UDP, TCP+UDP or ICMP. */
  ruleProtocol?: string;
  /** One port or `<start>/<end>`. */
  port?: string;
  sourceCidrIp?: string;
  /** accept or drop; absent on older answers, where every listed rule allows. */
  policy?: string;
}

function portRange(port: string | undefined): [number, number] | undefined {
  const match = /^\s*(-?\d+)\s*(?:\/\s*(-?\d+)\s*)?$/.exec(port ?? '');
  return match ? [Number(match[1]), Number(match[2] ?? match[1])] : undefined;
}

/** Whether some rule accepts TCP to `port` (from any source: the user's own address is not known here). */
export function allowsTcpPort(rules: readonly FirewallRule[], port: number): boolean {
  return rules.some((rule) => {
    const protocol = (rule.ruleProtocol ?? '').toUpperCase();
    const range = portRange(rule.port);
    return (
      (protocol === 'TCP' || protocol === 'TCP+UDP') &&
      (rule.policy === undefined || rule.policy.toLowerCase() === 'accept') &&
      range !== undefined &&
      range[0] <= port &&
      port <= range[1]
    );
  });
}
