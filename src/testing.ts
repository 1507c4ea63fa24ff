// `hypernodes/testing`: test suites for code built on HyperNodes. `cacheConformance` declares the Cache
// contract's tests for a cache (yours, or one of ours on another store), with the test framework's
// own describe/it/expect: the package depends on no test framework.
export { cacheConformance, type CacheConformanceOptions, type TestFunctions, type Expect, type Assertion } from "./cache/cache-conformance.js";
export { expectSame } from "./cache/cache-conformance.js";
