using Baton.Backends;

namespace Baton.Memory;

/// <summary>
/// <c>memory://</c> and <c>memory://SCOPE</c>: locks inside this process. Coordinators with the same URL
/// share names; a different scope is a separate set of names (handy to isolate tests).
/// </summary>
internal sealed class MemoryBackendProvider : IBackendProvider
{
    public IReadOnlyList<string> Schemes { get; } = ["memory"];

    public ValueTask<CoordinationBackend> ConnectAsync(BackendContext context, CancellationToken cancellationToken)
    {
        var url = context.Url;
        if (url.Hosts.Count > 1 || url.UserName is not null || url.Password is not null || (url.Path.Length > 0 && url.Path != "/"))
        {
            throw new ArgumentException(
                $"'{url}' is not a memory URL: use memory:// or memory://SCOPE (a scope name, no user, path or host list).", nameof(context));
        }

        foreach (var key in url.Query.Keys)
        {
            throw new ArgumentException($"'{url}' has the option '{key}', but memory:// takes no options.", nameof(context));
        }

        var scope = url.Hosts.Count == 1 ? url.Hosts[0] : string.Empty;
        return new(new MemoryBackend(MemoryStore.ForScope(scope), context.Member, context.TimeProvider));
    }
}
