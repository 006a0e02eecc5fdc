namespace DelphiRounds.Consensus;

/// <summary>
/// A multiset of doubles as a treap whose nodes carry subtree sizes: add, remove, k-th smallest and
/// rank queries in O(log n) expected time. Equal values share one node with a count, so a panel that
/// piles onto a few answers stays small.
/// </summary>
internal sealed class OrderStatisticTree
{
    private sealed class Node(double key, uint priority)
    {
        public readonly double Key = key;
        public readonly uint Priority = priority;
        public int Count = 1;
        public int Size = 1;
        public Node? Left;
        public Node? Right;
    }

    private Node? _root;
    // Deterministic priorities (xorshift): the shape, and so the cost, is reproducible run to run.
    private uint _state = 0x9E3779B9u;

    public int Count => _root?.Size ?? 0;

    public void Add(double key) => _root = Insert(_root, key);

    /// <summary>Removes one copy of <paramref name="key"/>; false when there is none.</summary>
    public bool Remove(double key)
    {
        if (!Contains(key)) return false;
        _root = Delete(_root!, key);
        return true;
    }

    public bool Contains(double key)
    {
        for (var node = _root; node is not null;)
        {
            if (key < node.Key) node = node.Left;
            else if (key > node.Key) node = node.Right;
            else return true;
        }
        return false;
    }

    /// <summary>The k-th smallest value, 1-based.</summary>
    public double Kth(int k)
    {
        if (k < 1 || k > Count) throw new ArgumentOutOfRangeException(nameof(k), k, $"The tree holds {Count} values.");
        var node = _root!;
        while (true)
        {
            int left = node.Left?.Size ?? 0;
            if (k <= left)
            {
                node = node.Left!;
            }
            else if (k <= left + node.Count)
            {
                return node.Key;
            }
            else
            {
                k -= left + node.Count;
                node = node.Right!;
            }
        }
    }

    /// <summary>Number of values ≤ <paramref name="key"/>.</summary>
    public int CountAtMost(double key)
    {
        int count = 0;
        for (var node = _root; node is not null;)
        {
            if (key < node.Key)
            {
                node = node.Left;
            }
            else
            {
                count += (node.Left?.Size ?? 0) + node.Count;
                node = node.Right;
            }
        }
        return count;
    }

    /// <summary>Number of values &lt; <paramref name="key"/>.</summary>
    public int CountBelow(double key)
    {
        int count = 0;
        for (var node = _root; node is not null;)
        {
            if (key <= node.Key)
            {
                node = node.Left;
            }
            else
            {
                count += (node.Left?.Size ?? 0) + node.Count;
                node = node.Right;
            }
        }
        return count;
    }

    /// <summary>Visits every distinct value with its count, ascending.</summary>
    public void ForEach(Action<double, int> visit)
    {
        var stack = new Stack<Node>();
        var node = _root;
        while (node is not null || stack.Count > 0)
        {
            while (node is not null)
            {
                stack.Push(node);
                node = node.Left;
            }
            node = stack.Pop();
            visit(node.Key, node.Count);
            node = node.Right;
        }
    }

    private uint NextPriority()
    {
        uint x = _state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return _state = x;
    }

    private Node Insert(Node? node, double key)
    {
        if (node is null) return new Node(key, NextPriority());
        if (key < node.Key)
        {
            node.Left = Insert(node.Left, key);
            if (node.Left.Priority > node.Priority) node = RotateRight(node);
        }
        else if (key > node.Key)
        {
            node.Right = Insert(node.Right, key);
            if (node.Right.Priority > node.Priority) node = RotateLeft(node);
        }
        else
        {
            node.Count++;
        }
        Update(node);
        return node;
    }

    private static Node? Delete(Node node, double key)
    {
        if (key < node.Key)
        {
            node.Left = Delete(node.Left!, key);
        }
        else if (key > node.Key)
        {
            node.Right = Delete(node.Right!, key);
        }
        else if (node.Count > 1)
        {
            node.Count--;
        }
        else
        {
            return Merge(node.Left, node.Right);
        }
        Update(node);
        return node;
    }

    private static Node? Merge(Node? left, Node? right)
    {
        if (left is null) return right;
        if (right is null) return left;
        if (left.Priority > right.Priority)
        {
            left.Right = Merge(left.Right, right);
            Update(left);
            return left;
        }
        right.Left = Merge(left, right.Left);
        Update(right);
        return right;
    }

    private static Node RotateRight(Node node)
    {
        var pivot = node.Left!;
        node.Left = pivot.Right;
        pivot.Right = node;
        Update(node);
        Update(pivot);
        return pivot;
    }

    private static Node RotateLeft(Node node)
    {
        var pivot = node.Right!;
        node.Right = pivot.Left;
        pivot.Left = node;
        Update(node);
        Update(pivot);
        return pivot;
    }

    private static void Update(Node node) => node.Size = (node.Left?.Size ?? 0) + node.Count + (node.Right?.Size ?? 0);
}
