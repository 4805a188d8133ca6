namespace Baton.Redis.Scripts;

/// <summary>
/// The server side of the backend: one Lua script per operation, each atomic on the server. Every script
/// starts with <see cref="Prelude"/>, which reads the server clock once, ends expired leases (<c>expire</c>),
/// grants the head of the queue while it fits (<c>pump</c>), and drops an idle name's state (<c>tidy</c>).
/// </summary>
/// <remarks>
/// <para>Keys of one name share the base <c>PREFIX{K:NAME}</c> (K is <c>l</c> for locks, <c>s</c> for semaphores,
/// <c>g</c> for groups), so they hash to one cluster slot. <c>:f</c> (kept) holds the fencing counter <c>n</c> and the pending takeover
/// <c>tk</c>; <c>:s</c> the holders' mode <c>hm</c>, the semaphore count <c>max</c>, the queue sequence <c>seq</c>,
/// the upgrading holder <c>up</c> and takeovers handed to queued grants <c>t:ID</c>; <c>:h</c> holders
/// (id → <c>mode|token|since|owner|member</c>); <c>:q</c> the FIFO queue (id by sequence); <c>:w</c> waiters
/// (id → <c>mode|since|owner|member</c>); <c>:e</c> the lease deadline of every holder and waiter (id by server
/// milliseconds). <c>PREFIXnames</c> indexes the bases of names held or awaited, for listings.</para>
/// <para>Modes: <c>x</c> exclusive, <c>s</c> shared, <c>n</c> semaphore slot. Takeover reasons: <c>e</c> lease
/// expired, <c>b</c> broken, <c>a</c> abandoned. Wake messages go to <c>CHANNELPREFIX + owner</c>:
/// <c>g|id|token|now|takeover</c> (granted), <c>u|id|token</c> (upgraded), <c>l|id|reason</c> (lost).</para>
/// <para>Whatever changes a group's holders or waiters (a join, a leave, an expiry, a break) publishes <c>c</c> once per
/// script on the group's notice channel <c>BASE:n</c>, for watchers (<c>changed</c>). Locks and semaphores publish
/// nothing: a PUBLISH would add about 0.5 µs of server time to every acquire and release, watched or not, so elections
/// poll instead (docs/backends/redis.md has the measurement).</para>
/// </remarks>
internal static class LuaScripts
{
    /// <summary>Shared definitions. Expects <c>ARGV[1]</c> to be the wake channel prefix.</summary>
    private const string Prelude = Header + Functions;

    /// <summary>The clock, the key names and number formatting: all a fast path needs before the functions are defined.</summary>
    private const string Header = """
        local chan = ARGV[1]
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local base, kf, ks, kh, kq, kw, ke, told
        local function use(b)
          base = b; kf = b .. ':f'; ks = b .. ':s'; kh = b .. ':h'; kq = b .. ':q'; kw = b .. ':w'; ke = b .. ':e'; told = false
        end
        local function fmt(n) return string.format('%d', n) end
        -- The base is PREFIX{K:NAME} and chan is PREFIXw:, so K is the byte at #chan; 103 is 'g', a group.
        local function changed()
          if told then return end
          told = true
          if string.byte(base, #chan) == 103 then redis.call('PUBLISH', base .. ':n', 'c') end
        end

        """;

    /// <summary>The steps every slow path shares (defining them costs the server a few µs per call, so fast paths return before).</summary>
    private const string Functions = """
        local function split_holder(rec)
          return string.match(rec, '^(%a)|(%d+)|(%d+)|(%x*)|(.*)$')
        end
        local function split_waiter(rec)
          return string.match(rec, '^(%a)|(%d+)|(%x*)|(.*)$')
        end
        local function note_takeover(token, reason, member)
          local old = redis.call('HGET', kf, 'tk')
          if old then
            local ot = tonumber(string.match(old, '^(%d+)|'))
            if ot and ot > tonumber(token) then return end
          end
          redis.call('HSET', kf, 'tk', token .. '|' .. reason .. '|' .. fmt(now) .. '|' .. member)
        end
        local function end_hold(id, reason)
          local rec = redis.call('HGET', kh, id)
          if not rec then return nil end
          redis.call('HDEL', kh, id)
          redis.call('ZREM', ke, id)
          redis.call('HDEL', ks, 't:' .. id)
          changed()
          local m, tk, since, owner, member = split_holder(rec)
          if reason then note_takeover(tk, reason, member) end
          if redis.call('HGET', ks, 'up') == id then
            redis.call('HDEL', ks, 'up')
            redis.call('HDEL', kw, id)
          end
          return rec, owner
        end
        local function drop_waiter(id)
          if redis.call('HDEL', kw, id) == 1 then changed() end
          redis.call('ZREM', kq, id)
          redis.call('ZREM', ke, id)
        end
        local function expire()
          local gone = redis.call('ZRANGEBYSCORE', ke, '-inf', '(' .. fmt(now))
          for _, id in ipairs(gone) do
            if not end_hold(id, 'e') then drop_waiter(id) end
          end
        end
        local function can_grant(mode)
          local n = redis.call('HLEN', kh)
          if n == 0 then return true end
          if mode == 'x' then return false end
          local hm = redis.call('HGET', ks, 'hm')
          if mode == 's' then return hm == 's' end
          return n < (tonumber(redis.call('HGET', ks, 'max')) or 1)
        end
        local function add_holder(id, mode, owner, member)
          local token = redis.call('HINCRBY', kf, 'n', 1)
          redis.call('HSET', kh, id, mode .. '|' .. fmt(token) .. '|' .. fmt(now) .. '|' .. owner .. '|' .. member)
          redis.call('HSET', ks, 'hm', mode)
          changed()
          return token
        end
        local function pump()
          local up = redis.call('HGET', ks, 'up')
          if up then
            if redis.call('HLEN', kh) == 1 then
              local rec = redis.call('HGET', kh, up)
              if rec then
                local m, tk, since, owner, member = split_holder(rec)
                local token = redis.call('HINCRBY', kf, 'n', 1)
                redis.call('HSET', kh, up, 'x|' .. fmt(token) .. '|' .. since .. '|' .. owner .. '|' .. member)
                redis.call('HSET', ks, 'hm', 'x')
                redis.call('HDEL', ks, 'up')
                redis.call('HDEL', kw, up)
                changed()
                redis.call('PUBLISH', chan .. owner, 'u|' .. up .. '|' .. fmt(token))
              end
            end
            return
          end
          local takeover = nil
          local first = true
          while true do
            local head = redis.call('ZRANGE', kq, 0, 0)
            if #head == 0 then break end
            local id = head[1]
            local wrec = redis.call('HGET', kw, id)
            if not wrec then
              redis.call('ZREM', kq, id)
            else
              local mode, since, owner, member = split_waiter(wrec)
              if not can_grant(mode) then break end
              if first then
                takeover = redis.call('HGET', kf, 'tk')
                if takeover then redis.call('HDEL', kf, 'tk') end
                first = false
              end
              redis.call('ZREM', kq, id)
              redis.call('HDEL', kw, id)
              local token = add_holder(id, mode, owner, member)
              if takeover then redis.call('HSET', ks, 't:' .. id, takeover) end
              redis.call('PUBLISH', chan .. owner, 'g|' .. id .. '|' .. fmt(token) .. '|' .. fmt(now) .. '|' .. (takeover or ''))
            end
          end
        end
        local function tidy()
          if redis.call('HLEN', kh) == 0 and redis.call('ZCARD', kq) == 0 then
            redis.call('DEL', ks, kh, kq, kw, ke)
            return true
          end
          return false
        end
        local function settle()
          expire()
          pump()
        end
        local function hint(ttl)
          local first = redis.call('ZRANGE', ke, 0, 0, 'WITHSCORES')
          if #first == 0 then return ttl end
          local left = tonumber(first[2]) - now
          if left < 0 then return 0 end
          return left
        end

        """;

    /// <summary>The holders and waiters of the name in use, for the listing and the read of one name.</summary>
    private const string Describe = """
        local function describe()
          local waiters = {}
          local up = redis.call('HGET', ks, 'up')
          if up then
            local w = redis.call('HGET', kw, up)
            if w then waiters[#waiters + 1] = w end
          end
          for _, id in ipairs(redis.call('ZRANGE', kq, 0, -1)) do
            local w = redis.call('HGET', kw, id)
            if w then waiters[#waiters + 1] = w end
          end
          return tonumber(redis.call('HGET', ks, 'max')) or 1, redis.call('HVALS', kh), waiters
        end

        """;

    /// <summary>
    /// Acquire, or re-check a queued request (same id): KEYS[1] base, KEYS[2] index; ARGV chan, id, mode, wait (0/1),
    /// ttl ms, owner, member, max. Replies <c>{1, token, now, takeover|nil}</c> granted; <c>{0}</c> denied;
    /// <c>{2, hint ms}</c> queued; <c>{-1, count}</c> a semaphore in use with another count.
    /// </summary>
    private const string AcquireText = Header + """
        use(KEYS[1])
        local id, mode, wait, ttl, owner, member, max = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7], tonumber(ARGV[8])
        if redis.call('EXISTS', kh, kq) == 0 then
          -- Nobody holds or waits: nothing can have expired, nobody is ahead.
          if mode == 'n' then redis.call('HSET', ks, 'max', max) end
          local takeover = redis.call('HGET', kf, 'tk')
          if takeover then redis.call('HDEL', kf, 'tk') end
          local token = redis.call('HINCRBY', kf, 'n', 1)
          redis.call('HSET', kh, id, mode .. '|' .. fmt(token) .. '|' .. fmt(now) .. '|' .. owner .. '|' .. member)
          redis.call('HSET', ks, 'hm', mode)
          redis.call('ZADD', ke, now + ttl, id)
          redis.call('SADD', KEYS[2], base)
          changed()
          return {1, token, now, takeover}
        end

        """ + Functions + """
        settle()
        local rec = redis.call('HGET', kh, id)
        if rec then
          local m, tk = split_holder(rec)
          redis.call('ZADD', ke, now + ttl, id)
          return {1, tonumber(tk), now, redis.call('HGET', ks, 't:' .. id)}
        end
        if redis.call('ZSCORE', kq, id) then
          redis.call('ZADD', ke, now + ttl, id)
          return {2, hint(ttl)}
        end
        local queued = redis.call('ZCARD', kq)
        if mode == 'n' then
          local cur = tonumber(redis.call('HGET', ks, 'max'))
          if cur and cur ~= max and (redis.call('HLEN', kh) > 0 or queued > 0) then return {-1, cur} end
          redis.call('HSET', ks, 'max', max)
        end
        if queued == 0 and not redis.call('HGET', ks, 'up') and can_grant(mode) then
          local takeover = redis.call('HGET', kf, 'tk')
          if takeover then redis.call('HDEL', kf, 'tk') end
          local token = add_holder(id, mode, owner, member)
          redis.call('ZADD', ke, now + ttl, id)
          redis.call('SADD', KEYS[2], base)
          return {1, token, now, takeover}
        end
        if wait == '0' then
          if tidy() then redis.call('SREM', KEYS[2], base) end
          return {0}
        end
        local seq = redis.call('HINCRBY', ks, 'seq', 1)
        redis.call('ZADD', kq, seq, id)
        redis.call('HSET', kw, id, mode .. '|' .. fmt(now) .. '|' .. owner .. '|' .. member)
        redis.call('ZADD', ke, now + ttl, id)
        redis.call('SADD', KEYS[2], base)
        changed()
        return {2, hint(ttl)}
        """;

    /// <summary>Release: KEYS[1] base, KEYS[2] index; ARGV chan, id. Replies 1 when the hold was ours, 0 otherwise.</summary>
    private const string ReleaseText = Header + """
        use(KEYS[1])
        local id = ARGV[2]
        if redis.call('HLEN', kh) == 1 and redis.call('EXISTS', kq) == 0 and tonumber(redis.call('ZSCORE', ke, id) or 0) >= now then
          -- The one live holder (with nobody queued, a live lease there is a hold), nobody waiting: the name becomes idle.
          redis.call('DEL', ks, kh, kq, kw, ke)
          redis.call('SREM', KEYS[2], base)
          changed()
          return 1
        end

        """ + Functions + """
        expire()
        local rec = end_hold(id, nil)
        pump()
        if tidy() then redis.call('SREM', KEYS[2], base) end
        if rec then return 1 end
        return 0
        """;

    /// <summary>
    /// Leave the queue: KEYS[1] base, KEYS[2] index; ARGV chan, id. Replies <c>{1, token, now, takeover|nil}</c> when
    /// the request had been granted already (the caller owns the hold), <c>{0}</c> when it left the queue.
    /// </summary>
    private const string WithdrawText = Prelude + """
        use(KEYS[1])
        local id = ARGV[2]
        settle()
        local rec = redis.call('HGET', kh, id)
        if rec then
          local m, tk = split_holder(rec)
          return {1, tonumber(tk), now, redis.call('HGET', ks, 't:' .. id)}
        end
        drop_waiter(id)
        pump()
        if tidy() then redis.call('SREM', KEYS[2], base) end
        return {0}
        """;

    /// <summary>
    /// Upgrade a shared hold: KEYS[1] base; ARGV chan, id, wait (0/1), owner, member. Replies <c>{1, token}</c>
    /// exclusive now; <c>{0}</c> denied; <c>{2}</c> pending; <c>{-2}</c> not held; <c>{-3}</c> another upgrade pends.
    /// </summary>
    private const string UpgradeText = Prelude + """
        use(KEYS[1])
        local id, wait = ARGV[2], ARGV[3]
        settle()
        local rec = redis.call('HGET', kh, id)
        if not rec then return {-2} end
        local m, tk, since, owner, member = split_holder(rec)
        if m ~= 's' then return {1, tonumber(tk)} end
        local up = redis.call('HGET', ks, 'up')
        if up and up ~= id then return {-3} end
        if up == id then return {2} end
        if redis.call('HLEN', kh) == 1 then
          local token = redis.call('HINCRBY', kf, 'n', 1)
          redis.call('HSET', kh, id, 'x|' .. fmt(token) .. '|' .. since .. '|' .. owner .. '|' .. member)
          redis.call('HSET', ks, 'hm', 'x')
          changed()
          return {1, token}
        end
        if wait == '0' then return {0} end
        redis.call('HSET', ks, 'up', id)
        redis.call('HSET', kw, id, 'x|' .. fmt(now) .. '|' .. owner .. '|' .. member)
        changed()
        return {2}
        """;

    /// <summary>
    /// Stop waiting for an upgrade: KEYS[1] base; ARGV chan, id. Replies <c>{1, token}</c> when it had been granted,
    /// <c>{0}</c> when the shared hold stays as it was (or is gone).
    /// </summary>
    private const string WithdrawUpgradeText = Prelude + """
        use(KEYS[1])
        local id = ARGV[2]
        settle()
        local rec = redis.call('HGET', kh, id)
        if not rec then return {0} end
        local m, tk = split_holder(rec)
        if m == 'x' then return {1, tonumber(tk)} end
        if redis.call('HGET', ks, 'up') == id then
          redis.call('HDEL', ks, 'up')
          redis.call('HDEL', kw, id)
          changed()
          pump()
        end
        return {0}
        """;

    /// <summary>Downgrade an exclusive hold in place: KEYS[1] base; ARGV chan, id. Replies 1, or -2 when not held.</summary>
    private const string DowngradeText = Prelude + """
        use(KEYS[1])
        local id = ARGV[2]
        expire()
        local rec = redis.call('HGET', kh, id)
        if not rec then return -2 end
        local m, tk, since, owner, member = split_holder(rec)
        if m == 'x' then
          redis.call('HSET', kh, id, 's|' .. tk .. '|' .. since .. '|' .. owner .. '|' .. member)
          redis.call('HSET', ks, 'hm', 's')
          changed()
          pump()
        end
        return 1
        """;

    /// <summary>
    /// Break a name: KEYS[1] base, KEYS[2] index; ARGV chan. Ends every hold (their owners get a lost message) and
    /// replies the broken holder records, then the server time: <c>{rec, rec, …, now}</c>.
    /// </summary>
    private const string BreakText = Prelude + """
        use(KEYS[1])
        expire()
        local all = redis.call('HGETALL', kh)
        local broken = {}
        for i = 1, #all, 2 do
          local id = all[i]
          local rec, owner = end_hold(id, 'b')
          if rec then
            broken[#broken + 1] = rec
            redis.call('PUBLISH', chan .. owner, 'l|' .. id .. '|b')
          end
        end
        pump()
        if tidy() then redis.call('SREM', KEYS[2], base) end
        broken[#broken + 1] = now
        return broken
        """;

    /// <summary>
    /// End a closing coordinator's holds (as abandoned) and waits on one name: KEYS[1] base, KEYS[2] index;
    /// ARGV chan, id, id, …
    /// </summary>
    private const string AbandonText = Prelude + """
        use(KEYS[1])
        expire()
        for i = 2, #ARGV do
          if not end_hold(ARGV[i], 'a') then drop_waiter(ARGV[i]) end
        end
        pump()
        if tidy() then redis.call('SREM', KEYS[2], base) end
        return 1
        """;

    /// <summary>
    /// Renew leases: KEYS[1] index, KEYS[2…] the bases; ARGV chan, ttl ms, then one id per base. Replies one
    /// entry per id: 1 renewed, 0 gone (ended, or found expired: then ended now, and the name settled).
    /// </summary>
    private const string RenewText = Prelude + """
        local ttl = tonumber(ARGV[2])
        local result = {}
        for i = 2, #KEYS do
          use(KEYS[i])
          local id = ARGV[i + 1]
          local score = redis.call('ZSCORE', ke, id)
          if not score then
            result[#result + 1] = 0
          elseif tonumber(score) < now then
            settle()
            if tidy() then redis.call('SREM', KEYS[1], base) end
            result[#result + 1] = 0
          else
            redis.call('ZADD', ke, now + ttl, id)
            result[#result + 1] = 1
          end
        end
        return result
        """;

    /// <summary>
    /// List every name of the index, settling each first: KEYS[1] index; ARGV chan. Replies
    /// <c>{now, base, max, {holder records}, {waiter records in order}, base, …}</c>.
    /// </summary>
    private const string ListText = Prelude + Describe + """
        local result = {now}
        for _, b in ipairs(redis.call('SMEMBERS', KEYS[1])) do
          use(b)
          settle()
          if tidy() then
            redis.call('SREM', KEYS[1], b)
          else
            local max, holders, waiters = describe()
            result[#result + 1] = b
            result[#result + 1] = max
            result[#result + 1] = holders
            result[#result + 1] = waiters
          end
        end
        return result
        """;

    /// <summary>
    /// Read one name, settling it first: KEYS[1] base, KEYS[2] index; ARGV chan. Replies <c>{now}</c> when nobody holds
    /// or waits, else <c>{now, max, {holder records}, {waiter records in order}, due}</c>, where <c>due</c> is how many
    /// milliseconds from now the earliest lease of the name ends unless renewed (a watch wakes then to see a crash).
    /// </summary>
    private const string GetText = Header + """
        use(KEYS[1])
        if redis.call('EXISTS', kh, kq) == 0 then return {now} end

        """ + Functions + Describe + """
        settle()
        if tidy() then
          redis.call('SREM', KEYS[2], base)
          return {now}
        end
        local max, holders, waiters = describe()
        return {now, max, holders, waiters, hint(0)}
        """;
    /// <summary>The Acquire script, with its SHA-1.</summary>
    public static readonly ServerScript Acquire = new(AcquireText);

    /// <summary>The Release script, with its SHA-1.</summary>
    public static readonly ServerScript Release = new(ReleaseText);

    /// <summary>The Withdraw script, with its SHA-1.</summary>
    public static readonly ServerScript Withdraw = new(WithdrawText);

    /// <summary>The Upgrade script, with its SHA-1.</summary>
    public static readonly ServerScript Upgrade = new(UpgradeText);

    /// <summary>The WithdrawUpgrade script, with its SHA-1.</summary>
    public static readonly ServerScript WithdrawUpgrade = new(WithdrawUpgradeText);

    /// <summary>The Downgrade script, with its SHA-1.</summary>
    public static readonly ServerScript Downgrade = new(DowngradeText);

    /// <summary>The Break script, with its SHA-1.</summary>
    public static readonly ServerScript Break = new(BreakText);

    /// <summary>The Abandon script, with its SHA-1.</summary>
    public static readonly ServerScript Abandon = new(AbandonText);

    /// <summary>The Renew script, with its SHA-1.</summary>
    public static readonly ServerScript Renew = new(RenewText);

    /// <summary>The List script, with its SHA-1.</summary>
    public static readonly ServerScript List = new(ListText);

    /// <summary>The Get script, with its SHA-1.</summary>
    public static readonly ServerScript Get = new(GetText);
}
