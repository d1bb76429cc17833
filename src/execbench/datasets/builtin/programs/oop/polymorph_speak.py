# execbench: entry=f constructs=oop
# execbench: input=['dog', 'cat', 'dog']
# execbench: input=['fox']
# execbench: input=[]
class Animal:
    sound = '...'

    def speak(self, times=1):
        return ' '.join([self.sound] * times)


class Dog(Animal):
    sound = 'woof'


class Cat(Animal):
    def speak(self, times=1):
        return super().speak(times + 1).upper()


def f(names):
    kinds = {'dog': Dog, 'cat': Cat}
    return [kinds.get(n, Animal)().speak(2) for n in names]
