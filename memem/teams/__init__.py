"""Team vaults: git repositories of memory notes beside the person's own (`memem team …`).

Where the clones live and which projects each serves is the vault's business (`memem.vault.teams`,
read by recall on every prompt). Here: `git` runs git; `membership` adds, syncs and removes teams;
`propose` copies a person's memories into a branch for the team to review; `merge_driver` merges two
edits of one note; `schedule` is the daemon's periodic pull.
"""
