-- Several nodes on one database (issue #14, the bus half): presence and the
-- agents' grace as data, so every node counts the same agents online and a
-- gone agent's conversations go back to the queue once, whichever node
-- notices. Used only with `--bus`; a single node keeps presence in memory.
--
-- `nodes`: one row per running `aisle serve --bus`, its heartbeat in Unix
-- milliseconds; a node whose heartbeat is older than the staleness limit
-- counts as dead, and its presence rows with it.
CREATE TABLE nodes (
    id TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);
-- One row per agent WebSocket connection on a node.
CREATE TABLE agent_presence (
    node TEXT NOT NULL,
    conn BIGINT NOT NULL,
    site_id TEXT NOT NULL,
    agent_id BIGINT NOT NULL,
    online BIGINT NOT NULL,
    PRIMARY KEY (node, conn)
);
CREATE INDEX agent_presence_agent ON agent_presence (agent_id);
CREATE INDEX agent_presence_site ON agent_presence (site_id, online);
-- Agents with open conversations and no live connection, since when (Unix
-- milliseconds). The node whose `DELETE … RETURNING` takes the row after
-- the grace requeues their conversations: exactly one does.
CREATE TABLE agents_away (
    agent_id BIGINT PRIMARY KEY,
    site_id TEXT NOT NULL,
    since BIGINT NOT NULL
);
