import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

netD = torch.nn.Linear(1, 1)
optimizerD = torch.optim.Adam(netD.parameters())


def train(loader):
    for x in loader:
        d_loss = netD(model(x).detach()).mean()
        d_loss.backward()
        # optimizerD.step()  # GL102
        g_loss = -netD(model(x)).mean()
        g_loss.backward()
        optimizer.step()
