using StackExchange.Redis;

namespace Baton.Redis.Keys;

/// <summary>
/// A name's key base, <c>PREFIX{K:NAME}</c>, built once per primitive (<see cref="Backends.CoordinationBackend.PrepareName"/>):
/// K is <c>l</c> for locks (and elections), <c>s</c> for semaphores, <c>g</c> for groups, so the three namespaces never
/// meet. Every key of the name is the base plus a one-letter suffix, so they share a cluster hash slot, and no name can
/// reach another name's keys: the base ends where the suffix's last letter starts.
/// </summary>
internal sealed class NameKey
{
    private NameKey(LockKind kind, string name, RedisKey key, string text)
    {
        Kind = kind;
        Name = name;
        Key = key;
        Text = text;
    }

    /// <summary>Lock, semaphore or group.</summary>
    public LockKind Kind { get; }

    /// <summary>The name as the caller gave it.</summary>
    public string Name { get; }

    /// <summary>The base as a key (what scripts receive as <c>KEYS[1]</c>).</summary>
    public RedisKey Key { get; }

    /// <summary>The base as text, as the index stores it.</summary>
    public string Text { get; }

    /// <summary>Builds the base of a name.</summary>
    public static NameKey Create(string prefix, LockKind kind, string name)
    {
        var text = string.Concat(prefix, Marker(kind), name, "}");
        return new NameKey(kind, name, text, text);
    }

    /// <summary>Reads a base back into kind and name; false when it is not one of this prefix.</summary>
    public static bool TryParse(string prefix, string text, out LockKind kind, out string name)
    {
        kind = LockKind.Lock;
        name = string.Empty;
        if (!text.StartsWith(prefix, StringComparison.Ordinal) || text.Length < prefix.Length + 5 || text[^1] != '}' || text[prefix.Length] != '{'
            || text[prefix.Length + 2] != ':')
        {
            return false;
        }

        switch (text[prefix.Length + 1])
        {
            case 'l':
                kind = LockKind.Lock;
                break;
            case 's':
                kind = LockKind.Semaphore;
                break;
            case 'g':
                kind = LockKind.Group;
                break;
            default:
                return false;
        }

        name = text[(prefix.Length + 3)..^1];
        return true;
    }

    private static string Marker(LockKind kind) => kind switch
    {
        LockKind.Lock => "{l:",
        LockKind.Semaphore => "{s:",
        LockKind.Group => "{g:",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a kind of name this backend stores."),
    };
}
