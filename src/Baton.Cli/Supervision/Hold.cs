namespace Baton.Cli.Supervision;

/// <summary>
/// What a supervised command runs under — a lock (<c>run</c>), leadership (<c>elect</c>) or membership (<c>join</c>) —
/// as <see cref="SupervisedCommand"/> needs it: what to tell the command, when it is lost, and how to give it up.
/// </summary>
/// <param name="description">How messages name it: <c>the lock 'x'</c>, <c>leadership of 'x'</c>, <c>membership of 'w1' in 'g'</c>.</param>
/// <param name="environment">The variables the command gets, such as <c>BATON_LOCK_NAME</c>.</param>
/// <param name="lossReason">Why it was lost, once it was.</param>
/// <param name="release">Gives it up; idempotent, never throws (the library's release rule).</param>
/// <param name="lostToken">Fires when the hold can no longer be guaranteed.</param>
internal sealed class Hold(
    string description,
    IReadOnlyList<KeyValuePair<string, string>> environment,
    Func<LossReason?> lossReason,
    Func<ValueTask> release,
    CancellationToken lostToken)
{
    /// <summary>How messages name it.</summary>
    public string Description => description;

    /// <summary>The variables the command gets.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment => environment;

    /// <summary>Fires when the hold can no longer be guaranteed.</summary>
    public CancellationToken LostToken => lostToken;

    /// <summary>Why it was lost, once it was.</summary>
    public LossReason? LossReason => lossReason();

    /// <summary>Gives it up.</summary>
    public ValueTask ReleaseAsync() => release();
}
