using System.Diagnostics.CodeAnalysis;

namespace Baton.Cli.Shared;

/// <summary>
/// Whether this build serves <c>baton dashboard</c> itself. ASP.NET Core's statics would cost every start of
/// <c>baton run</c> (bench/README.md, "The baton command's startup"), so a Native AOT publish leaves the dashboard out
/// of <c>baton</c> and <c>baton-network</c> and builds a third executable, <c>baton-dashboard</c>, to which they hand
/// the verb (<see cref="NetworkHandOff"/>). Builds with everything (<c>dotnet run</c>, the .NET tool) hand nothing over.
/// </summary>
internal static class DashboardFeature
{
    /// <summary>The feature switch that leaves the dashboard out of a build.</summary>
    public const string Switch = "Baton.Cli.Dashboard";

    /// <summary>The executable with the dashboard (and every backend), beside <c>baton</c>.</summary>
    public const string Executable = "baton-dashboard";

    /// <summary>The verb it serves.</summary>
    public const string Verb = "dashboard";

    /// <summary>False only in <c>baton</c> and <c>baton-network</c> of a Native AOT publish, where the compiler reads it as a constant, so the trimmer drops ASP.NET Core.</summary>
    [FeatureSwitchDefinition(Switch)]
    public static bool Enabled => !AppContext.TryGetSwitch(Switch, out var enabled) || enabled;
}
