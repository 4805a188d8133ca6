using Baton.Backends;
using Baton.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Baton.Ordering;

/// <summary>
/// A coordinator's lock-order checker and deadlock detector, as the acquisition path calls them. A
/// coordinator with both off has none, so the acquisition path pays one null check.
/// </summary>
internal sealed class OrderingHooks
{
    private readonly LockOrderChecker? _checker;
    private readonly string _backend;
    private readonly ILogger _logger;

    private OrderingHooks(LockOrderChecker? checker, bool detectDeadlocks, string backend, ILogger logger)
    {
        _checker = checker;
        DetectsDeadlocks = detectDeadlocks;
        _backend = backend;
        _logger = logger;
    }

    public bool DetectsDeadlocks { get; }

    /// <summary>The hooks for these options, or null when both are off.</summary>
    public static OrderingHooks? Create(CoordinatorOptions options, string backendUrl, ILogger logger) =>
        options.LockOrderChecker is null && !options.DetectDeadlocks
            ? null
            : new OrderingHooks(options.LockOrderChecker, options.DetectDeadlocks, backendUrl, logger);

    /// <summary>
    /// Called from the synchronous part of an acquire call, in the caller's flow: checks the order (and may
    /// throw <see cref="PotentialDeadlockException"/> before anything is attempted), then records the
    /// acquisition as pending in the flow.
    /// </summary>
    public HoldRecord Begin(in AcquisitionRequest request, TimeSpan timeout)
    {
        var name = new LockOrderName(request.Kind, request.Name, _backend);
        var before = FlowHolds.CurrentWithoutFinished();

        // A try that cannot wait cannot deadlock, so it adds no order (as lockdep does for trylocks).
        if (_checker is { } checker && timeout != TimeSpan.Zero && before is not null)
        {
            Check(checker, before, name);
        }

        return FlowHolds.Push(before, name, request.MaxCount);
    }

    private void Check(LockOrderChecker checker, FlowHolds before, LockOrderName name)
    {
        var held = FlowHolds.Held(before).Select(record => record.Name).Distinct().ToList();
        if (held.Count == 0)
        {
            return;
        }

        var found = checker.Observe(held, name, out var refusal);
        foreach (var violation in found)
        {
            Log.LockOrderViolated(_logger, violation.Names, violation.ToString());
            checker.Raise(violation);
        }

        if (refusal is not null)
        {
            throw new PotentialDeadlockException(refusal);
        }
    }
}
