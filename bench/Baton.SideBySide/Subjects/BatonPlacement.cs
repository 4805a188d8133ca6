namespace Baton.SideBySide.Subjects;

/// <summary>Where Baton's contending clients (contended workers, handoff holder and waiter, blocked waiter) run.</summary>
internal enum BatonPlacement
{
    /// <summary>In this process for <c>memory://</c>, which cannot be shared between processes; in child processes for every other scheme.</summary>
    Auto,

    /// <summary>Clients of this process, each with its own <see cref="Coordinator"/>.</summary>
    InProcess,

    /// <summary>Child processes of this harness (<c>--child</c>), one client each, as real deployments run.</summary>
    Processes,
}
