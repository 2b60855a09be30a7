import fs from "node:fs/promises";

/** The gid of a group named in /etc/group, or a clear error. */
export async function lookUpGroupId(name: string, groupFile = "/etc/group"): Promise<number> {
  const lines = (await fs.readFile(groupFile, "utf8")).split("\n");
  for (const line of lines) {
    const [groupName, , gid] = line.split(":");
    if (groupName === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new Error(`group "${name}" does not exist: create it (groupadd --system ${name}) or change VIFDECK_AGENT_SOCKET_GROUP`);
}
