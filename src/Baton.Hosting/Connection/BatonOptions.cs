namespace Baton.Hosting;

/// <summary>
/// How a host connects to its Baton backend: bound from configuration (the <c>Baton</c> section by convention) or set
/// in code, and validated when the host starts, before anything connects.
/// </summary>
public sealed class BatonOptions
{
    /// <summary>The configuration section these options are usually bound from: <c>Baton</c>.</summary>
    public const string DefaultSectionName = "Baton";

    /// <summary>
    /// The backend URL, such as <c>redis://host:6379</c>, <c>etcd://a:2379,b:2379</c>, <c>file:///var/lock/myapp</c>
    /// or <c>memory://</c>. Required: a host does not fall back to the local file backend, since a missing key would
    /// then give every machine locks of its own. Use <c>file://</c> for the default lock directory of this machine.
    /// A password in it never appears in a message or a log.
    /// </summary>
    public string? BackendUrl { get; set; }

    /// <summary>
    /// This instance's id, shown beside host and process in listings and used as its member id in groups (for example
    /// a pod or instance name). Default: null, none (group members are then <c>host:pid</c>).
    /// </summary>
    public string? MemberId { get; set; }

    /// <summary>How long connecting may take before it fails. Default: 15 seconds (as <see cref="CoordinatorOptions.ConnectTimeout"/>).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How often elections and groups are read on backends that cannot notify changes. Default: 250 milliseconds
    /// (as <see cref="CoordinatorOptions.WatchPollInterval"/>).
    /// </summary>
    public TimeSpan WatchPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Connect while the host starts, so that an unreachable backend fails the start with a clear error (the default:
    /// true). When false the host starts regardless and the first user connects; a failed connect is tried again by
    /// the next user, the leader and membership services retry with their backoff, and the health check reports it.
    /// </summary>
    public bool ConnectAtStart { get; set; } = true;
}
