/** What the tests rely on beyond the published types of the packages they use. */
import '@node-red/runtime';

declare module '@node-red/runtime' {
  interface LocalSettings {
    /** The pack's own setting: where the ssi-terminal nodes keep their journals (src/nodes). */
    ssiEcrJournalDir?: string;
  }
}

declare module 'should' {
  interface Assertion {
    /** From should-sinon, which node-red-node-test-helper loads: the spy was called with arguments matching these. */
    calledWithMatch(...args: unknown[]): this;
  }
}
