/**
 * The two TOML edits the node needs on the config.toml CometBFT writes (its
 * layout is fixed): read one key of a section, set one. Kept apart from
 * home.ts so the app process (main.ts) loads no wallet code.
 */
/** Sets `key = value` in one [section] of a TOML file CometBFT wrote (its layout is fixed). */
export const setToml = (text: string, section: string, key: string, value: string): string => {
  const lines = text.split("\n");
  let current = "";
  for (let i = 0; i < lines.length; i++) {
    const header = /^\[([^\]]+)\]\s*$/.exec(lines[i]!);
    if (header) current = header[1]!;
    else if (current === section && new RegExp(`^${key}\\s*=`).test(lines[i]!)) {
      lines[i] = `${key} = ${value}`;
      return lines.join("\n");
    }
  }
  throw new Error(`config.toml has no ${key} in [${section}]`);
};

export const readToml = (text: string, section: string, key: string): string | undefined => {
  let current = "";
  for (const line of text.split("\n")) {
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) current = header[1]!;
    else if (current === section) {
      const m = new RegExp(`^${key}\\s*=\\s*"?([^"]*)"?\\s*$`).exec(line);
      if (m) return m[1];
    }
  }
  return undefined;
};
