/**
 * The paths of a file list `ssh -G` prints (`userknownhostsfile`, `globalknownhostsfile`). OpenSSH
 * joins them with a space and quotes none, so a path with a space (a home such as
 * `/home/First Last` or `C:/Users/First Last`) cannot be split on whitespace. A new path starts
 * only where an absolute one can: after whitespace, at `/`, `~` or a drive letter (`X:/`, `X:\`).
 */
export function splitPathList(value: string): string[] {
  return value
    .trim()
    .split(/\s+(?=[/~]|[A-Za-z]:[/\\])/)
    .filter((part) => part !== '');
}
