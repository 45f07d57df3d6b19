/**
 * The image's Containerfile (scripts/image.sh builds it with podman):
 * Node 24 at /usr/local/bin/node, the app at /opt/r3mes (read-only to the
 * user: owned by root), CometBFT and Kubo in /opt/r3mes/.tools/bin (where
 * the app looks first) and on PATH, the node's esbuild bundle built at
 * image build time (so a container never rebuilds it), and a non-root user
 * whose home and /data are its only writable places. `r3mes` is the
 * entrypoint: every role is `r3mes ROLE start …`.
 */

export const IMAGE_USER = { name: "r3mes", uid: 10001 } as const;
export const APP_DIR = "/opt/r3mes";
export const DATA_DIR = "/data";

export interface ContainerfileOptions {
  /** The local base image (Debian minbase imported from debootstrap). */
  readonly base: string;
  readonly commit: string;
  readonly dirty: boolean;
  readonly nodeVersion: string;
  readonly cometbftVersion: string;
  readonly kuboVersion: string;
}

export const containerfile = (o: ContainerfileOptions): string => {
  const { name, uid } = IMAGE_USER;
  const label = (k: string, v: string) => `LABEL ${k}=${JSON.stringify(v)}`;
  return [
    `FROM ${o.base}`,
    label("org.opencontainers.image.title", "r3mes"),
    label(
      "org.opencontainers.image.description",
      "R3MES node, role daemons and CLI, with CometBFT and Kubo",
    ),
    label("org.opencontainers.image.revision", o.commit),
    label("org.opencontainers.image.licenses", "Apache-2.0"),
    label("r3mes.dirty", String(o.dirty)),
    label("r3mes.node", o.nodeVersion),
    label("r3mes.cometbft", o.cometbftVersion),
    label("r3mes.kubo", o.kuboVersion),
    "COPY node /usr/local/bin/node",
    `COPY app ${APP_DIR}`,
    // One RUN: the user, its writable places, the command, the node's bundle (as root: the app stays read-only).
    `RUN echo '${name}:x:${uid}:${uid}:r3mes:/home/${name}:/usr/sbin/nologin' >> /etc/passwd \\`,
    ` && echo '${name}:x:${uid}:' >> /etc/group \\`,
    ` && mkdir -p /home/${name} ${DATA_DIR} && chown ${uid}:${uid} /home/${name} ${DATA_DIR} \\`,
    ` && ln -s ${APP_DIR}/bin/r3mes.js /usr/local/bin/r3mes \\`,
    ` && ln -s ${APP_DIR}/.tools/bin/cometbft /usr/local/bin/cometbft \\`,
    ` && ln -s ${APP_DIR}/.tools/bin/ipfs /usr/local/bin/ipfs \\`,
    ` && node ${APP_DIR}/bin/lean.js --build \\`,
    ` && node -e 'import(process.argv[1]).then((m) => { if (!m.freshBundle()) process.exit(1); })' ${APP_DIR}/bin/lean.js`,
    `ENV HOME=/home/${name} NODE_ENV=production`,
    `USER ${uid}:${uid}`,
    // tsx caches its transforms per user in /tmp/tsx-UID: warm it, so the CLI starts in about a second, not fifteen.
    "RUN r3mes --help >/dev/null",
    `WORKDIR ${DATA_DIR}`,
    // No EXPOSE: podman's Docker API lists exposed ports in HostConfig.PortBindings (unbound), and
    // testcontainers then waits for them to be bound. The ports are in docs/image.md.
    'ENTRYPOINT ["r3mes"]',
    'CMD ["--help"]',
    "",
  ].join("\n");
};
