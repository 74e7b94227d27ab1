import type pg from 'pg';

/** What a data-access function runs its SQL on: the pool, or a client inside a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;
