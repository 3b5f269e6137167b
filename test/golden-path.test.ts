import { describeGoldenPath } from "./golden-path";

describeGoldenPath();
