import { describeGoldenPath } from "./golden-path";

// The embedded default that `npm run dev` uses when no DATABASE_URL is set.
describeGoldenPath("pglite");
