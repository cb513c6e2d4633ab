/**
 * The stream's own close codes (the 4000s are the application's): the browser does not reconnect
 * after either. `sessionEnded`: the session it was opened with ended (signed out, password changed,
 * revoked, account disabled or deleted): go to the sign-in page. `tooManyStreams`: the user already
 * has STREAMS_PER_USER streams open. Imports nothing, so the web client shares it without zod.
 */
export const STREAM_CLOSE_CODES = { sessionEnded: 4001, tooManyStreams: 4008 } as const;
