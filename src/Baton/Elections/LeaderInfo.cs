namespace Baton;

/// <summary>Who leads an election, as an observer sees it.</summary>
/// <param name="Election">The election's name.</param>
/// <param name="Leader">The leader: host, process and the candidate's member id.</param>
/// <param name="Term">The leader's term: its fencing token, which grows with every new leader.</param>
/// <param name="Since">When it was elected.</param>
public sealed record LeaderInfo(string Election, MemberIdentity Leader, long Term, DateTimeOffset Since);
