# The optimizer was built over one model and the loop trains another: `net`'s parameters are
# in no optimizer, and `model`, the one stepped, gets no gradient from this loss.
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(x)


model = Net()
net = Net().to("cpu")
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss()


def train(loader, epochs):
    for _ in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(net(x), y)
            loss.backward()  # GL105
            optimizer.step()
    torch.save(net.state_dict(), "net.pt")
