// The part of ws's API the profiler uses (the package ships no types).
declare module 'ws' {
  export default class WebSocket {
    constructor(url: string, options?: { maxPayload?: number });
    on(event: 'open', listener: () => void): this;
    on(event: 'message', listener: (data: Buffer) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    send(data: string): void;
    close(): void;
  }
}
