// Rewrites docs/tables.md from src/sim/outputs/tables.ts.
import { writeFileSync } from "node:fs";
import { tablesMarkdown } from "../src/sim/outputs/tables-doc.ts";

writeFileSync(new URL("../docs/tables.md", import.meta.url), tablesMarkdown());
