using Baton.Backends;

namespace Baton.Files;

/// <summary>Which kernel lock guards a name's main byte.</summary>
internal enum FileLockApi
{
    /// <summary>Open-file-description byte-range locks (the default); they conflict with <c>lockf</c>.</summary>
    Ofd,

    /// <summary>flock(2) on the whole file, to share locks with util-linux <c>flock(1)</c>.</summary>
    Flock,
}

/// <summary>How names map to files.</summary>
internal enum FileLayout
{
    /// <summary>One file per name, by a reversible escape of the name; deleted when unused.</summary>
    Baton,

    /// <summary>oslo.concurrency's file names (prefix + name with <c>/</c> → <c>_</c>); kept, as oslo keeps them.</summary>
    Oslo,

    /// <summary>One file; one byte range per hashed name ("offset locks").</summary>
    Table,
}

/// <summary>The options of a <c>file://</c> URL, checked once when connecting.</summary>
internal sealed record FileBackendOptions(string Directory, FileLockApi Api, FileLayout Layout, string Prefix)
{
    private static readonly string[] KnownKeys = ["api", "layout", "prefix", "mode"];

    /// <summary>Lock files are never deleted: peers that do not re-check the inode (oslo, flock(1)) share them, or the layout is one table.</summary>
    public bool KeepsFiles => Api == FileLockApi.Flock || Layout != FileLayout.Baton;

    public static FileBackendOptions Parse(BackendUrl url)
    {
        if (url.UserName is not null || url.Password is not null || url.Hosts.Count > 1
            || (url.Hosts.Count == 1 && !url.Hosts[0].Equals("localhost", StringComparison.OrdinalIgnoreCase)))
        {
            throw new ArgumentException(
                $"'{url}' is not a file URL: use file:///absolute/directory (three slashes), or file:// for the default directory ({FileLockDirectory.DefaultPath}).",
                nameof(url));
        }

        foreach (var key in url.Query.Keys)
        {
            if (!KnownKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"'{url}' has the unknown option '{key}'; file:// takes {string.Join(", ", KnownKeys)}.", nameof(url));
            }
        }

        var api = (url.GetQuery("api") ?? "ofd").ToLowerInvariant() switch
        {
            "ofd" => FileLockApi.Ofd,
            "flock" => FileLockApi.Flock,
            var other => throw new ArgumentException($"'{url}': api={other} is not known; use api=ofd (the default) or api=flock.", nameof(url)),
        };

        var table = (url.GetQuery("mode") ?? "files").ToLowerInvariant() switch
        {
            "files" => false,
            "table" => true,
            var other => throw new ArgumentException($"'{url}': mode={other} is not known; use mode=files (the default) or mode=table.", nameof(url)),
        };

        var layout = (url.GetQuery("layout") ?? "baton").ToLowerInvariant() switch
        {
            "baton" => table ? FileLayout.Table : FileLayout.Baton,
            "oslo" when !table => FileLayout.Oslo,
            "oslo" => throw new ArgumentException($"'{url}': layout=oslo names one file per lock and cannot be combined with mode=table.", nameof(url)),
            var other => throw new ArgumentException($"'{url}': layout={other} is not known; use layout=baton (the default) or layout=oslo.", nameof(url)),
        };

        var prefix = url.GetQuery("prefix") ?? string.Empty;
        if (prefix.Length > 0 && layout != FileLayout.Oslo)
        {
            throw new ArgumentException($"'{url}': prefix= names oslo.concurrency lock files and needs layout=oslo.", nameof(url));
        }

        if (prefix.Contains('/', StringComparison.Ordinal) || prefix.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{url}': the prefix must not contain '/' or NUL.", nameof(url));
        }

        if (api == FileLockApi.Flock && layout == FileLayout.Table)
        {
            throw new ArgumentException($"'{url}': flock(2) locks whole files, so api=flock cannot be combined with mode=table.", nameof(url));
        }

        if (url.Path == "/")
        {
            throw new ArgumentException($"'{url}' names the root directory; name a directory of its own, such as file:///run/lock/myapp.", nameof(url));
        }

        var directory = url.Path.Length == 0 ? FileLockDirectory.DefaultPath : url.Path.TrimEnd('/');
        return new FileBackendOptions(directory, api, layout, prefix);
    }
}
