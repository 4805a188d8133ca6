namespace Baton.Cli.Supervision;

/// <summary>The environment variables baton gives the command it runs (docs/cli.md, "Environment").</summary>
internal static class CommandEnvironment
{
    /// <summary>The lock's name (<c>run</c>; <c>elect</c>: the election's, which is the lock whose holder leads).</summary>
    public const string LockName = "BATON_LOCK_NAME";

    /// <summary>The acquisition's fencing token, decimal (<c>run</c>; <c>elect</c>: the term).</summary>
    public const string FencingToken = "BATON_FENCING_TOKEN";

    /// <summary>The election's name (<c>elect</c>).</summary>
    public const string Election = "BATON_ELECTION";

    /// <summary>The leader's term, decimal (<c>elect</c>).</summary>
    public const string Term = "BATON_TERM";

    /// <summary>The group's name (<c>join</c>).</summary>
    public const string Group = "BATON_GROUP";

    /// <summary>The member id joined with (<c>join</c>).</summary>
    public const string MemberId = "BATON_MEMBER_ID";
}
