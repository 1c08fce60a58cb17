/** Where dev-stack modules report what they do; entry points decide how to print it. */
export type Log = (message: string) => void;

export const silentLog: Log = () => undefined;
