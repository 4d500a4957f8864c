// The part of newman's Node API the conformance test uses (newman ships no types).
declare module 'newman' {
  export interface NewmanAssertion {
    readonly assertion: string;
    readonly error?: { readonly message: string };
  }
  export interface NewmanSummary {
    readonly run: {
      readonly stats: { readonly assertions: { readonly total: number; readonly failed: number } };
      readonly executions: readonly {
        readonly item: { readonly name: string };
        readonly assertions?: readonly NewmanAssertion[];
      }[];
    };
  }
  export interface NewmanRunOptions {
    readonly collection: string;
    readonly folder?: readonly string[];
    readonly envVar?: readonly { readonly key: string; readonly value: string }[];
    readonly reporters?: readonly string[];
  }
  export function run(options: NewmanRunOptions, callback: (error: Error | null, summary: NewmanSummary) => void): void;
}
