namespace Baton;

/// <summary>What a <see cref="LockOrderChecker"/> does when an acquisition closes a cycle in the lock order.</summary>
public enum LockOrderCheckMode
{
    /// <summary>Records the violation, raises <see cref="LockOrderChecker.ViolationFound"/> and logs a warning; the acquisition goes on.</summary>
    Report,

    /// <summary>Reports as <see cref="Report"/> does, then throws <see cref="PotentialDeadlockException"/> before the acquisition is attempted.</summary>
    Throw,
}
