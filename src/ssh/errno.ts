/** The `code` of a Node system error (ENOENT, EACCES, EXDEV…), or undefined for any other value. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
