namespace Baton.Conformance.CrossProcess;

/// <summary>Settings of a <see cref="HolderProcess"/>.</summary>
public sealed class HolderProcessOptions
{
    /// <summary>The member id the child connects with (<c>--id</c>); null for none.</summary>
    public string? MemberId { get; set; }

    /// <summary>How long to wait for any answer of the child. Default: 30 seconds.</summary>
    public TimeSpan ReplyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the child may take to start and connect. Default: 60 seconds.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Directories the child loads missing assemblies from (<c>--probe</c>), such as a backend package and
    /// its dependencies. The directory of the running tests is always added, so a test project that
    /// references a backend (Baton.Redis, …) lets the child use it too.
    /// </summary>
    public IList<string> ProbeDirectories { get; } = [];

    /// <summary>
    /// A command the child is started through, such as <c>ip netns exec NAME</c> to run it in a network namespace; it
    /// must exec the child in place (the child's pid is checked). Empty: the child is started directly.
    /// </summary>
    public IList<string> LaunchPrefix { get; } = [];

    /// <summary>Assemblies whose <c>[assembly: BackendProvider]</c> the child registers (<c>--load</c>), for test-only backends.</summary>
    public IList<string> ProviderAssemblies { get; } = [];
}
