namespace Baton.Cli.Shared;

/// <summary>
/// The exit codes of <c>baton</c> (docs/cli.md has the table). The 64–78 range follows BSD's sysexits.h;
/// 126, 127 and 128+N follow the shells, so <c>baton run</c> can stand in for the command it runs.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The operator answered no at a confirmation prompt (<c>break</c>).</summary>
    public const int Declined = 1;

    /// <summary>EX_USAGE: bad arguments, bad duration, bad or unknown backend URL, missing <c>--</c> or command; a verb the backend does not support.</summary>
    public const int Usage = 64;

    /// <summary>EX_UNAVAILABLE: the backend cannot be reached (or stopped answering).</summary>
    public const int BackendUnavailable = 69;

    /// <summary>EX_SOFTWARE: an unexpected error inside baton.</summary>
    public const int InternalError = 70;

    /// <summary>EX_OSERR: the operating system refused to start the command.</summary>
    public const int OsError = 71;

    /// <summary>
    /// EX_OSFILE: baton was built without its native helper (no C compiler) and util-linux <c>setpriv</c>, which then
    /// ties the command's life to baton's, is missing.
    /// </summary>
    public const int OsFileMissing = 72;

    /// <summary>EX_TEMPFAIL: the lock was not acquired within <c>--timeout</c>.</summary>
    public const int NotAcquired = 75;

    /// <summary>
    /// The lock, leadership or membership was lost (lease, session, an operator's break): <c>elect</c> and <c>join</c>
    /// whenever it happened while the command ran, <c>run</c> only when it happened before the command started. The
    /// number of EX_PROTOCOL, free in the sysexits range; baton's own meaning.
    /// </summary>
    public const int Lost = 76;

    /// <summary>EX_NOPERM: the backend refuses to break the lock (the file backend with a live holder).</summary>
    public const int Refused = 77;

    /// <summary>The command was found but cannot be executed (as the shells say it).</summary>
    public const int CommandNotExecutable = 126;

    /// <summary>The command was not found (as the shells say it).</summary>
    public const int CommandNotFound = 127;

    /// <summary>
    /// 128 + SIGPIPE: a watch's output was closed (its reader exited), the status a shell tool gets when SIGPIPE
    /// kills it; baton exits with it (.NET ignores SIGPIPE, so the write fails instead).
    /// </summary>
    public const int OutputClosed = 141;

    /// <summary><c>leader</c>: nobody leads the election (as <c>grep</c> says "no match": a script's <c>if</c> can test it).</summary>
    public const int NobodyLeads = 1;

    /// <summary>Added to a signal's number when baton or its command ended because of that signal.</summary>
    public const int SignalBase = 128;
}
