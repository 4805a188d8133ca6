namespace Baton.Cli.Commands.Dashboard;

/// <summary>The command line of <c>baton dashboard</c>, parsed.</summary>
/// <param name="BackendUrl">The backend, or null for the default.</param>
/// <param name="Urls">Where to listen; empty for the default.</param>
/// <param name="Refresh">How often to read the backend; null for the default.</param>
/// <param name="HoldThreshold">Highlight holds longer than this; null for the default.</param>
/// <param name="WaitThreshold">Highlight waits longer than this; null for the default.</param>
/// <param name="AllowBreak">Whether the page may break locks.</param>
internal sealed record DashboardSettings(
    string? BackendUrl, IReadOnlyList<string> Urls, TimeSpan? Refresh, TimeSpan? HoldThreshold, TimeSpan? WaitThreshold, bool AllowBreak);
