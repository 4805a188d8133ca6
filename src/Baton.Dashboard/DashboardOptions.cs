namespace Baton.Dashboard;

/// <summary>How the dashboard reads the backend, what it highlights and what it allows. Validated when the dashboard is mapped.</summary>
public sealed class DashboardOptions
{
    /// <summary>The address <see cref="DashboardServer"/> listens on by default: loopback only, port 22866 ("BATON" on a phone keypad).</summary>
    public const string DefaultUrl = "http://127.0.0.1:22866";

    /// <summary>How often the server reads the backend's listing for live updates (one read shared by every open page). Default 500 ms.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Holds longer than this are highlighted (the page can change it). Default 30 s.</summary>
    public TimeSpan HoldThreshold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Waits longer than this are highlighted (the page can change it). Default 5 s.</summary>
    public TimeSpan WaitThreshold { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often an idle event stream gets a comment, so proxies and browsers keep it open. Default 15 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The path the dashboard is served under, such as <c>/baton</c>; empty (the default) for the root. Applies to
    /// <see cref="DashboardServer"/> and to <see cref="DashboardEndpointRouteBuilderExtensions.MapBatonDashboard"/>.
    /// </summary>
    public string PathBase { get; set; } = string.Empty;

    /// <summary>
    /// True (the default): the dashboard only shows. False: <c>POST api/locks/break</c> breaks a lock, for requests
    /// that carry the <see cref="BreakHeader"/> header (which a cross-site form cannot send).
    /// </summary>
    public bool ReadOnly { get; set; } = true;

    /// <summary>The header a break request must carry (any value), so that another site's form post cannot break locks.</summary>
    public const string BreakHeader = "X-Baton-Break";

    /// <summary>The clock for durations and the refresh timer; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Checks the values; the message names the bad one.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        Positive(RefreshInterval, nameof(RefreshInterval));
        Positive(KeepAliveInterval, nameof(KeepAliveInterval));
        NotNegative(HoldThreshold, nameof(HoldThreshold));
        NotNegative(WaitThreshold, nameof(WaitThreshold));
        ArgumentNullException.ThrowIfNull(PathBase, nameof(PathBase));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        if (PathBase.Length > 0 && (PathBase[0] != '/' || PathBase[^1] == '/' || PathBase.Contains('?', StringComparison.Ordinal) || PathBase.Contains('#', StringComparison.Ordinal)))
        {
            throw new ArgumentException($"PathBase must be empty or start with '/' and not end with one, such as /baton; got '{PathBase}'.", nameof(PathBase));
        }
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value == Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"{name} must be a positive, finite duration; got {value}.", name);
        }
    }

    private static void NotNegative(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentException($"{name} must not be negative; got {value}.", name);
        }
    }
}
