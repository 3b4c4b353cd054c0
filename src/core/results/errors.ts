/** Why a report could not be read. `parseReport` throws only this (never returns a half-built model). */
export type ReportErrorKind = 'empty' | 'too-large' | 'truncated' | 'not-json' | 'not-object' | 'not-a-report' | 'invalid';

export class ReportError extends Error {
  override readonly name = 'ReportError';
  constructor(
    readonly kind: ReportErrorKind,
    message: string,
    /** JSON path of the offending value (e.g. `profiles[0].controls[3].results`), when there is one. */
    readonly path?: string,
    /** UTF-8 byte offset into the text, for syntax errors. */
    readonly byteOffset?: number,
  ) {
    super(message);
  }
}

export function isReportError(e: unknown): e is ReportError {
  return e instanceof ReportError || (e instanceof Error && e.name === 'ReportError');
}
