/// An ordered set with O(log n) insert and remove and in-order iteration from the smallest:
/// a treap (randomised balanced binary search tree) stored in arrays, so a leaderboard of any
/// size updates in logarithmic time and its top entries are read without scanning everyone.
struct RankedSet<Element: Comparable> {
    private var elements: [Element] = []
    private var left: [Int] = []
    private var right: [Int] = []
    private var priority: [UInt32] = []
    private var free: [Int] = []
    private var root = -1
    private(set) var count = 0

    mutating func insert(_ element: Element) {
        let node = allocate(element)
        root = insert(node, into: root)
        count += 1
    }

    /// Removes one occurrence; returns false when absent.
    @discardableResult
    mutating func remove(_ element: Element) -> Bool {
        var removed = false
        root = remove(element, from: root, removed: &removed)
        if removed { count -= 1 }
        return removed
    }

    /// The first `limit` elements in ascending order.
    func prefix(_ limit: Int) -> [Element] {
        var result: [Element] = []
        result.reserveCapacity(min(limit, count))
        var stack: [Int] = []
        var node = root
        while result.count < limit && (node >= 0 || !stack.isEmpty) {
            while node >= 0 {
                stack.append(node)
                node = left[node]
            }
            guard let top = stack.popLast() else { break }
            result.append(elements[top])
            node = right[top]
        }
        return result
    }

    private mutating func allocate(_ element: Element) -> Int {
        let weight = UInt32.random(in: .min ... .max)
        if let reused = free.popLast() {
            elements[reused] = element
            left[reused] = -1
            right[reused] = -1
            priority[reused] = weight
            return reused
        }
        elements.append(element)
        left.append(-1)
        right.append(-1)
        priority.append(weight)
        return elements.count - 1
    }

    private mutating func insert(_ node: Int, into tree: Int) -> Int {
        guard tree >= 0 else { return node }
        if elements[node] < elements[tree] {
            left[tree] = insert(node, into: left[tree])
            if priority[left[tree]] > priority[tree] { return rotateRight(tree) }
        } else {
            right[tree] = insert(node, into: right[tree])
            if priority[right[tree]] > priority[tree] { return rotateLeft(tree) }
        }
        return tree
    }

    private mutating func remove(_ element: Element, from tree: Int, removed: inout Bool) -> Int {
        guard tree >= 0 else { return -1 }
        if element < elements[tree] {
            left[tree] = remove(element, from: left[tree], removed: &removed)
            return tree
        }
        if elements[tree] < element {
            right[tree] = remove(element, from: right[tree], removed: &removed)
            return tree
        }
        removed = true
        free.append(tree)
        return merge(left[tree], right[tree])
    }

    /// Joins two treaps where every element of `a` is <= every element of `b`.
    private mutating func merge(_ a: Int, _ b: Int) -> Int {
        if a < 0 { return b }
        if b < 0 { return a }
        if priority[a] > priority[b] {
            right[a] = merge(right[a], b)
            return a
        }
        left[b] = merge(a, left[b])
        return b
    }

    private mutating func rotateRight(_ node: Int) -> Int {
        let pivot = left[node]
        left[node] = right[pivot]
        right[pivot] = node
        return pivot
    }

    private mutating func rotateLeft(_ node: Int) -> Int {
        let pivot = right[node]
        right[node] = left[pivot]
        left[pivot] = node
        return pivot
    }
}
