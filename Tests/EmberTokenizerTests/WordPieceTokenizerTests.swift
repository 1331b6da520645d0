import Testing
@testable import EmberTokenizer

@Suite struct WordPieceTokenizerTests {
    @Test func vocabularyLoads() {
        #expect(miniLMVocabulary.count == 30522)
        #expect(miniLMVocabulary[101] == "[CLS]")
    }

    @Test func simpleSentence() throws {
        let t = try miniLM()
        #expect(t.tokens("Hello, World! Unaffable.") == ["[CLS]", "hello", ",", "world", "!", "una", "##ffa", "##ble", ".", "[SEP]"])
        #expect(t.encode("") == [101, 102])
    }
}
