using System.Collections.Concurrent;
using System.Reflection;
using Baton.Files;
using Baton.Memory;

namespace Baton.Backends;

/// <summary>
/// Maps URL schemes to backend providers. <c>memory</c> and <c>file</c> are built in; the backend packages
/// (Baton.Redis, Baton.Postgres, Baton.Etcd, Baton.ZooKeeper) are found by
/// scheme when referenced, or added with <see cref="Register"/>.
/// </summary>
public static class BackendRegistry
{
    /// <summary>Schemes whose providers live in known assemblies, loaded on first use.</summary>
    private static readonly Dictionary<string, string> KnownAssemblies = new(StringComparer.Ordinal)
    {
        ["redis"] = "Baton.Redis",
        ["rediss"] = "Baton.Redis",
        ["postgres"] = "Baton.Postgres",
        ["postgresql"] = "Baton.Postgres",
        ["etcd"] = "Baton.Etcd",
        ["etcds"] = "Baton.Etcd",
        ["zookeeper"] = "Baton.ZooKeeper",
    };

    private static readonly ConcurrentDictionary<string, IBackendProvider> Providers = CreateBuiltIns();

    /// <summary>Every scheme Baton knows, whether or not its package is loaded, sorted.</summary>
    public static IReadOnlyList<string> KnownSchemes =>
        [.. Providers.Keys.Concat(KnownAssemblies.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Adds (or replaces) the provider of its schemes.</summary>
    /// <param name="provider">The provider.</param>
    public static void Register(IBackendProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        foreach (var scheme in provider.Schemes)
        {
            Providers[scheme.ToLowerInvariant()] = provider;
        }
    }

    internal static IBackendProvider Resolve(BackendUrl url)
    {
        if (Providers.TryGetValue(url.Scheme, out var provider))
        {
            return provider;
        }

        if (!KnownAssemblies.TryGetValue(url.Scheme, out var assemblyName))
        {
            throw new ArgumentException($"Unknown backend scheme '{url.Scheme}' in '{url}'. {DescribeKnownSchemes()}", nameof(url));
        }

        if (TryLoad(assemblyName) && Providers.TryGetValue(url.Scheme, out provider))
        {
            return provider;
        }

        throw new ArgumentException(
            $"The '{url.Scheme}' backend lives in the {assemblyName} package, which is not available to this program: reference it, or register its provider with BackendRegistry.Register.",
            nameof(url));
    }

    internal static string DescribeKnownSchemes() => $"Known schemes: {string.Join(", ", KnownSchemes)}.";

    private static bool TryLoad(string assemblyName)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(assemblyName));
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or PlatformNotSupportedException)
        {
            return false;
        }

        var attribute = assembly.GetCustomAttribute<BackendProviderAttribute>();
        if (attribute is null)
        {
            return false;
        }

        Register((IBackendProvider)Activator.CreateInstance(attribute.ProviderType)!);
        return true;
    }

    private static ConcurrentDictionary<string, IBackendProvider> CreateBuiltIns()
    {
        var providers = new ConcurrentDictionary<string, IBackendProvider>(StringComparer.Ordinal);
        foreach (IBackendProvider provider in new IBackendProvider[] { new MemoryBackendProvider(), new FileBackendProvider() })
        {
            foreach (var scheme in provider.Schemes)
            {
                providers[scheme] = provider;
            }
        }

        return providers;
    }
}
