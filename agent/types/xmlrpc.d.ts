// The xmlrpc package's (de)serialiser modules, used by the stand-in; @types/xmlrpc types only the client and server.
declare module 'xmlrpc/lib/deserializer.js' {
  import type { Readable } from 'node:stream';
  export default class Deserializer {
    constructor(encoding?: string);
    deserializeMethodCall(stream: Readable, callback: (error: Error | null, method: string, params: unknown[]) => void): void;
    deserializeMethodResponse(stream: Readable, callback: (error: Error | null, result: unknown) => void): void;
  }
}
declare module 'xmlrpc/lib/serializer.js' {
  const Serializer: {
    serializeMethodCall(method: string, params: unknown[], encoding?: string): string;
    serializeMethodResponse(result: unknown): string;
    serializeFault(fault: { faultCode: unknown; faultString: unknown }): string;
  };
  export default Serializer;
}
